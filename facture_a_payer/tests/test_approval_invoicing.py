from datetime import date

from fap_sandbox.stripe import CARD_SUCCESS
from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .portal_common import FapPortalPaymentCase


@tagged("post_install", "-at_install")
class TestApprovalInvoicing(FapPortalPaymentCase):
    """Our approvals invoice (when the company's setting says so); Odoo's own confirmation never does."""

    def _pay_quote_page(self, quote, between=None):
        """The customer pays the quote's payment form on the sandbox; ``between`` runs while they are on
        Stripe's page. Return the transaction."""
        answer = self._start_transaction(f"/my/orders/{quote.id}/transaction", quote, quote.amount_total)
        page_url = lxml_html.fromstring(answer["result"]["redirect_form_html"]).get("action")
        if between:
            between()
        returned = self.opener.post(f"{page_url}/pay", data={"cardnumber": CARD_SUCCESS}, allow_redirects=False)
        self.env.flush_all()
        self.url_open(returned.headers["Location"])
        self._rpc("/payment/status/poll")
        return quote.transaction_ids.filtered(lambda tx: tx.state == "done")

    def test_an_evening_approval_is_invoiced_on_the_merchants_day(self):
        """At 21 h in Montréal it is already tomorrow in UTC and in Brussels (OdooBot's zone, the public user's
        approval runs as superuser): the invoice is dated on the merchant's day."""
        self.company.fap_auto_invoice = True
        self.salesperson.tz = "America/Toronto"
        quote = self._make_quote()
        with freeze_time("2026-12-08 02:00:00"):
            invoice = quote.sudo().with_context(tz="Europe/Brussels")._fap_confirm_and_invoice()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.invoice_date, date(2026, 12, 7))

    def test_odoos_confirmation_makes_no_invoice_with_or_without_the_setting(self):
        for auto_invoice in (True, False):
            with self.subTest(auto_invoice=auto_invoice):
                self.company.fap_auto_invoice = auto_invoice
                quote = self._make_quote()
                quote.action_confirm()
                self.assertEqual(quote.state, "sale")
                self.assertFalse(quote.invoice_ids)
                self.assertFalse(quote.fap_approved)
                # The service is invoiced on delivered quantities, as the product says: nothing to invoice yet.
                self.assertEqual(quote.invoice_status, "no")

    def test_odoos_down_payment_invoices_the_deposit_only(self):
        quote = self._make_quote()
        quote.action_confirm()
        self.env["sale.advance.payment.inv"].with_context(active_model="sale.order", active_ids=quote.ids).create(
            {"advance_payment_method": "percentage", "amount": 10}
        ).create_invoices()
        self.assertEqual(len(quote.invoice_ids), 1)
        self.assertEqual(quote.invoice_ids.state, "draft")
        self.assertAlmostEqual(quote.invoice_ids.amount_total, quote.amount_total / 10, places=2)

    def test_with_the_setting_off_the_customers_approval_confirms_the_quote_without_an_invoice(self):
        self.company.fap_auto_invoice = False
        quote = self._make_quote()
        result = self._approve(quote)["result"]
        self.assertEqual(quote.state, "sale")
        self.assertTrue(quote.fap_approved)
        self.assertFalse(quote.invoice_ids)
        # Odoo's confirmed order page, with its notice.
        self.assertEqual(
            self.path(result["redirect_url"]), self.path(quote.get_portal_url(query_string="&message=sign_ok"))
        )
        page = self.open_as_visitor(result["redirect_url"])
        self.assertEqual(self.path(page.url), self.path(result["redirect_url"]))
        self.assertIn("Your order has been confirmed.", page.text)
        self.assertNotIn('name="fap_approve"', page.text)

    def test_with_the_setting_off_the_merchant_approves_without_an_invoice_and_pay_says_why(self):
        self.company.fap_auto_invoice = False
        quote = self._make_quote()
        action = quote.action_fap_approve()
        self.assertEqual(quote.state, "sale")
        self.assertFalse(quote.invoice_ids)
        self.assertEqual((action["res_model"], action["res_id"]), ("sale.order", quote.id))
        other = self._make_quote()
        with self.assertRaisesRegex(UserError, "not invoiced automatically"):
            other.action_fap_pay_now()
        self.assertEqual(other.state, "sent")

    def test_a_payment_of_the_quote_approved_meanwhile_pays_the_approvals_invoice(self):
        # The customer pays from the quote's payment form while the merchant approves it for them.
        self.env["ir.config_parameter"].set_param("sale.automatic_invoice", True)
        quote = self._make_quote(require_payment=True, prepayment_percent=1.0)
        tx = self._pay_quote_page(quote, between=quote.action_fap_approve)
        self.assertEqual(len(quote.invoice_ids), 1)
        self.assertEqual(tx.invoice_ids, quote.invoice_ids)
        self._assert_paid_and_reconciled(quote.invoice_ids)

    def test_a_payment_of_a_quote_invoiced_by_hand_in_odoo_is_left_as_odoo_leaves_it(self):
        self.env["ir.config_parameter"].set_param("sale.automatic_invoice", True)
        product = self.env["product.product"].create(
            {"name": "Maintenance plan", "type": "service", "list_price": 100.0, "invoice_policy": "order"}
        )
        quote = self._make_quote(
            require_payment=True, prepayment_percent=1.0, order_line=[Command.create({"product_id": product.id})]
        )

        def invoice_by_hand():
            quote.action_confirm()
            quote._create_invoices().action_post()

        tx = self._pay_quote_page(quote, between=invoice_by_hand)
        self.assertEqual(len(quote.invoice_ids), 1)
        # Odoo's automatic invoicing finds nothing left to invoice and links the payment to no invoice.
        self.assertFalse(tx.invoice_ids)
        self.assertEqual(quote.invoice_ids.payment_state, "not_paid")
