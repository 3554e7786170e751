from fap_sandbox.stripe import CARD_SUCCESS
from lxml import html as lxml_html

from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.http_routing.tests.common import MockRequest

from .portal_common import FapPortalPaymentCase


@tagged("post_install", "-at_install")
class TestPaymentLinks(FapPortalPaymentCase):
    """Odoo's « Generate a payment link » (`payment.link.wizard`): outside the app the link's amount is charged as
    Odoo charges it; inside it, the amount is taken where the app takes it, else refused — never replaced."""

    def _payment_link(self, document, amount):
        """The link the merchant copies from Odoo's wizard, for ``amount`` (made in the merchant's request, as
        Odoo's own tests of the wizard do)."""
        with MockRequest(self.env):
            wizard = (
                self.env["payment.link.wizard"]
                .with_context(active_model=document._name, active_id=document.id)
                .create({"amount": amount})
            )
            return wizard.link

    def _open_link(self, link):
        page = self.open_as_visitor(link)
        self.assertEqual(page.status_code, 200)
        return page.text

    def _charge(self, route, document, amount):
        """What the link's payment form posts, then Stripe's hosted page paid with the test card: the session's
        amount at Stripe (cents), the transaction."""
        answer = self._start_transaction(route, document, amount)
        self.assertIn("result", answer, answer)
        page_url = lxml_html.fromstring(answer["result"]["redirect_form_html"]).get("action")
        session = self.sandbox.stripe.sessions[page_url.rsplit("/", 1)[1]]
        paid = self.opener.post(f"{page_url}/pay", data={"cardnumber": CARD_SUCCESS}, allow_redirects=False)
        self.assertEqual(paid.status_code, 303)
        self.open_as_visitor(paid.headers["Location"])
        self._rpc("/payment/status/poll")
        return session["amount_total"], document.transaction_ids.filtered(lambda tx: tx.state == "done")

    def _refused(self, route, document, amount):
        answer = self._start_transaction(route, document, amount)
        self.assertIn("error", answer, f"{amount} was accepted")
        self.assertFalse(document.transaction_ids, "no transaction")
        return answer["error"]["data"]["message"]

    def _invoice_outside_the_app(self, amount=400.0):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer_en.id,
                "invoice_line_ids": [
                    Command.create({"name": "Plumbing", "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        invoice.action_post()
        invoice._portal_ensure_token()
        return invoice

    # === Outside the app: Odoo's own behaviour === #

    def test_a_10_link_on_an_invoice_outside_the_app_charges_10(self):
        invoice = self._invoice_outside_the_app()
        self.assertIn("10.00", self._open_link(self._payment_link(invoice, 10.0)))
        charged, tx = self._charge(f"/invoice/transaction/{invoice.id}", invoice, 10.0)
        self.assertEqual(charged, 1000, "10.00 at Stripe")
        self.assertEqual(tx.amount, 10.0)
        self.assertTrue(tx.payment_id.is_reconciled)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 390.0)
        self.assertFalse(invoice.fap_flow, "the app does not take the invoice over")
        self.assertFalse(invoice.fap_receipt_sent)

    def test_a_206_95_link_on_a_quote_outside_the_app_charges_206_95(self):
        # Odoo shows no page for a link below the deposit a quote asks: 20 % here (183.96).
        for values in ({}, {"require_payment": True, "prepayment_percent": 0.2}):
            with self.subTest(**values):
                quote = self._make_quote(fap_flow=False, **values)
                self.assertIn("206.95", self._open_link(self._payment_link(quote, 206.95)))
                charged, tx = self._charge(f"/my/orders/{quote.id}/transaction", quote, 206.95)
                self.assertEqual(charged, 20695, "206.95 at Stripe")
                self.assertEqual(tx.amount, 206.95)
                self.assertFalse(quote.fap_approved)
                self.assertFalse(quote.invoice_ids)

    # === Inside the app: honoured where the app takes the amount, else refused === #

    def test_a_link_on_an_invoice_of_the_app_is_refused_when_parts_are_not_taken(self):
        _quote, invoice = self._approved_invoice()
        self._open_link(self._payment_link(invoice, 10.0))
        message = self._refused(f"/invoice/transaction/{invoice.id}", invoice, 10.0)
        self.assertEqual(message, "Pay this invoice in full: 919.80\xa0$.")
        # A link of what is due is paid as the invoice's own page.
        charged, _tx = self._charge(f"/invoice/transaction/{invoice.id}", invoice, 919.80)
        self.assertEqual(charged, 91980)
        self._assert_paid_and_reconciled(invoice)

    def test_a_link_on_an_invoice_of_the_app_is_honoured_within_the_parts_it_takes(self):
        self.company.write(
            {"fap_partial_payments": True, "fap_partial_min_amount": 50.0, "fap_partial_min_percent": 25.0}
        )
        _quote, invoice = self._approved_invoice()
        self.assertEqual(
            self._refused(f"/invoice/transaction/{invoice.id}", invoice, 10.0), "Pay from 229.95\xa0$ to 919.80\xa0$."
        )
        # The page offers the link's amount (Odoo's « Installment » tab, beside the full amount).
        self.assertIn("300.00", self._open_link(self._payment_link(invoice, 300.0)))
        charged, tx = self._charge(f"/invoice/transaction/{invoice.id}", invoice, 300.0)
        self.assertEqual(charged, 30000, "300.00 at Stripe")
        self.assertEqual(tx.amount, 300.0)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 619.80)

    def test_a_link_on_a_quote_of_the_app_is_its_deposit_or_its_total(self):
        quote = self._make_quote(require_payment=True, prepayment_percent=0.3)
        # Below the deposit (275.94), Odoo's page refuses the link itself; above it, the app refuses to pay it.
        self.assertEqual(self.open_as_visitor(self._payment_link(quote, 206.95)).status_code, 404)
        self._open_link(self._payment_link(quote, 500.0))
        message = self._refused(f"/my/orders/{quote.id}/transaction", quote, 500.0)
        self.assertEqual(message, "Pay this quote's deposit, 275.94\xa0$, or its total, 919.80\xa0$.")
        self.assertEqual(quote.state, "sent")
        charged, _tx = self._charge(f"/my/orders/{quote.id}/transaction", quote, 275.94)
        self.assertEqual(charged, 27594)
        self.assertTrue(quote.fap_approved)
        self.assertEqual(quote.invoice_ids.mapped("amount_total"), [275.94])

    def test_a_quote_of_the_app_asking_no_payment_is_approved_first(self):
        quote = self._make_quote()
        message = self._refused(f"/my/orders/{quote.id}/transaction", quote, quote.amount_total)
        self.assertEqual(message, "This quote takes no payment now: approve it on its page, then pay its invoice.")
