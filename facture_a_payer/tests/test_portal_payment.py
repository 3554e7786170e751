from fap_sandbox.stripe import CARD_ASYNC_SUCCESS, CARD_DECLINED, CARD_SUCCESS
from lxml import html as lxml_html

from odoo.tests import tagged

from .portal_common import FapPortalPaymentCase


@tagged("post_install", "-at_install")
class TestPortalPayment(FapPortalPaymentCase):
    def test_the_invoice_page_offers_pay_the_invoice_with_amount_due_due_date_and_pdf(self):
        _quote, invoice = self._approved_invoice()
        response = self.open_as_visitor(invoice.get_portal_url())
        self.assertEqual(response.status_code, 200)
        page = lxml_html.fromstring(response.content)
        # The merchant's logo heads the page, not the database's first company's.
        self.assertTrue(page.xpath(f'//img[@src="/logo.png?company={self.company.id}"]'))
        self.assertTrue(page.xpath('//a[@name="fap_pay"][@data-bs-target="#pay_with"]'))
        self.assertIn("919.80", page.xpath('//*[@name="fap_amount_due"]')[0].text_content())
        self.assertTrue(page.xpath('//*[@name="fap_due_date"]'))
        # Odoo's payment form offers the enabled provider.
        self.assertTrue(page.xpath(f'//*[@id="pay_with"]//input[@data-provider-id="{self.provider.id}"]'))
        pdf = self.open_as_visitor(page.xpath('//a[@name="fap_download"]')[0].get("href"))
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")

    def test_paying_on_the_hosted_page_pays_the_invoice_reconciles_it_and_shows_paid_with_the_receipt(self):
        quote, invoice = self._approved_invoice()
        sms_before, mail_before = len(self.sandbox.twilio.messages), len(self.sandbox.mail.messages)
        with self.smtp_live():
            landing = self._pay(invoice)
        self._assert_paid_and_reconciled(invoice)
        self.assertEqual(len(quote.invoice_ids), 1)
        page = lxml_html.fromstring(landing.content)
        self.assertTrue(page.xpath('//*[@name="fap_paid_badge"]'))
        self.assertTrue(page.xpath('//*[@id="fap_receipt"]'))
        self.assertFalse(page.xpath('//a[@name="fap_pay"]'))
        # The receipt, by email and SMS (the customer's channel is « both »).
        receipts = [m for m in self.sandbox.mail.messages[mail_before:] if "receipt" in m["subject"].lower()]
        self.assertEqual(len(receipts), 1)
        self.assertIn("sarah@example.com", str(receipts[0]["to"]))
        [receipt_sms] = [m for m in self.sandbox.twilio.messages[sms_before:] if "received" in m["body"]]
        self.assertIn(invoice.name, receipt_sms["body"])
        # The amount without no-break spaces: one of them would make the SMS UCS-2 and cost twice as much.
        self.assertIn(invoice._fap_get_sms_amount(), receipt_sms["body"])
        self.assertNotIn("\u00a0", receipt_sms["body"])
        # The merchant: a note on the invoice and a to-do for the salesperson.
        self.assertTrue(invoice.message_ids.filtered(lambda m: "paid" in (m.body or "") and "online" in m.body))
        activity = invoice.activity_ids.filtered(lambda a: a.user_id == self.salesperson)
        self.assertEqual(activity.summary, "Paid online by the customer")

    def test_another_amount_sent_by_the_browser_is_refused_not_replaced(self):
        _quote, invoice = self._approved_invoice()
        answer = self._start_transaction(f"/invoice/transaction/{invoice.id}", invoice, 1.0)
        self.assertEqual(answer["error"]["data"]["message"], "Pay this invoice in full: 919.80\xa0$.")
        self.assertFalse(invoice.transaction_ids)

    def test_a_declined_card_leaves_the_invoice_to_pay(self):
        _quote, invoice = self._approved_invoice()
        answer = self._pay(invoice, card=CARD_DECLINED)
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertTrue(
            lxml_html.fromstring(self.open_as_visitor(invoice.get_portal_url()).content).xpath('//a[@name="fap_pay"]')
        )

    def test_a_payment_still_processing_is_said_so_and_offers_no_second_payment(self):
        _quote, invoice = self._approved_invoice()
        self._pay(invoice, card=CARD_ASYNC_SUCCESS)
        page = lxml_html.fromstring(self.open_as_visitor(invoice.get_portal_url()).content)
        self.assertIn("being processed", page.xpath('//*[@id="fap_invoice"]')[0].text_content())
        self.assertFalse(page.xpath('//a[@name="fap_pay"]'))
        self.assertEqual(invoice.payment_state, "not_paid")
        # The bank confirms later: Stripe's webhook, then Odoo's post-processing (its cron's job).
        self.deliver_callbacks()
        self.sandbox.stripe.settle_async_payments()
        self.deliver_callbacks()
        invoice.transaction_ids.filtered(lambda tx: tx.state == "done")._post_process()
        self._assert_paid_and_reconciled(invoice)

    def test_a_partly_paid_invoice_offers_the_remaining_amount(self):
        _quote, invoice = self._approved_invoice()
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {"amount": 300.0}
        )._create_payments()
        self.assertEqual(invoice.payment_state, "partial")
        page = lxml_html.fromstring(self.open_as_visitor(invoice.get_portal_url()).content)
        self.assertIn("619.80", page.xpath('//*[@name="fap_amount_due"]')[0].text_content())
        self.assertIn("300.00", page.xpath('//*[@name="fap_amount_paid"]')[0].text_content())
        self._pay(invoice)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(invoice.transaction_ids.filtered(lambda t: t.state == "done").amount, 619.80)

    def test_exactly_one_invoice_when_odoos_automatic_invoicing_is_on(self):
        self.env["ir.config_parameter"].set_param("sale.automatic_invoice", True)
        quote, invoice = self._approved_invoice()
        self._pay(invoice)
        self._assert_paid_and_reconciled(invoice)
        self.assertEqual(len(quote.invoice_ids), 1)

    def test_a_quote_paid_online_with_automatic_invoicing_gets_one_invoice_paid_by_that_payment(self):
        # The native path: a quote that asks for payment, paid from a payment link before any approval.
        self.env["ir.config_parameter"].set_param("sale.automatic_invoice", True)
        quote = self._make_quote(require_payment=True, prepayment_percent=1.0)
        answer = self._start_transaction(f"/my/orders/{quote.id}/transaction", quote, quote.amount_total)
        page_url = lxml_html.fromstring(answer["result"]["redirect_form_html"]).get("action")
        returned = self.opener.post(f"{page_url}/pay", data={"cardnumber": CARD_SUCCESS}, allow_redirects=False)
        self.env.flush_all()
        self.url_open(returned.headers["Location"])
        self._rpc("/payment/status/poll")
        self.assertEqual(quote.state, "sale")
        self.assertEqual(len(quote.invoice_ids), 1)
        self._assert_paid_and_reconciled(quote.invoice_ids)

    def test_a_paid_invoice_cannot_be_paid_again(self):
        _quote, invoice = self._approved_invoice()
        self._pay(invoice)
        answer = self._start_transaction(f"/invoice/transaction/{invoice.id}", invoice, invoice.amount_total)
        self.assertEqual(answer["error"]["data"]["message"], "The access token is invalid.")
        self.assertEqual(len(invoice.transaction_ids), 1)
