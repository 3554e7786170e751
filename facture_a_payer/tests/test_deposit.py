from lxml import html as lxml_html

from odoo import Command
from odoo.tests import tagged

from .portal_common import FapPortalCase, FapPortalPaymentCase
from .test_portal_approval import SIGNATURE


@tagged("post_install", "-at_install")
class TestDeposit(FapPortalPaymentCase):
    """A quote asking a 30 % deposit (Odoo's « Online payment » of quotes): approving is paying the deposit."""

    def _deposit_quote(self, customer=None):
        return self._make_quote(customer, require_payment=True, prepayment_percent=0.3)

    def test_approving_pays_the_deposit_invoice_and_the_balance_is_invoiced_later(self):
        quote = self._deposit_quote()
        self.assertAlmostEqual(quote.amount_total, 919.80)
        page = self.open_as_visitor(quote.get_portal_url()).text
        self.assertIn('name="fap_approve_pay"', page)
        self.assertIn("275.94", page, "30 % of 919.80")
        self.assertIn("error", self._approve(quote)["result"], "no approval without the deposit")

        page = self._pay_order(quote, 275.94)
        self.assertEqual(quote.state, "sale")
        self.assertTrue(quote.fap_approved)
        deposit = quote.invoice_ids
        self.assertEqual(len(deposit), 1)
        self.assertRecordValues(deposit, [{"state": "posted", "amount_total": 275.94, "amount_untaxed": 240.0}])
        # GST 5 % and QST 9.975 % of the deposit, as Odoo computes a down payment's taxes.
        self.assertEqual(sorted(deposit.line_ids.filtered("tax_line_id").mapped("balance")), [-23.94, -12.0])
        self._assert_paid_and_reconciled(deposit)
        self.assertTrue(deposit.invoice_line_ids.sale_line_ids.is_downpayment)
        # The customer lands on the deposit's receipt, with the quote's total, the deposit and the balance.
        self.assertIn('name="fap_paid_badge"', page.text)
        summary = lxml_html.fromstring(page.text).get_element_by_id("fap_deposit_summary").text_content()
        for amount in ("919.80", "275.94", "643.86"):
            self.assertIn(amount, summary)
        self.assertEqual(quote.fap_status, "approved", "the balance is still to invoice")
        receipt = deposit.message_ids.filtered(lambda m: m.message_type == "comment" and "receipt" in (m.subject or ""))
        self.assertIn(f"This payment is the deposit of the quote {quote.name}.", str(receipt.body))

        sms_before = len(self.sandbox.twilio.messages)
        quote.action_fap_invoice_balance()
        balance = quote.invoice_ids - deposit
        self.assertRecordValues(balance, [{"state": "posted", "amount_total": 643.86, "amount_untaxed": 560.0}])
        self.assertEqual(sorted(balance.line_ids.filtered("tax_line_id").mapped("balance")), [-55.86, -28.0])
        self.assertEqual(balance.fap_send_state, "queued", "sent by the sending cron, after the response")
        self.run_send_queue()
        self.assertEqual(balance.fap_send_state, "sent")
        self.assertIn(balance.name, self.sandbox.twilio.messages[-1]["body"])
        self.assertGreater(len(self.sandbox.twilio.messages), sms_before)
        self.assertEqual(balance.fap_reminder_status, "planned")
        page = self.open_as_visitor(balance.get_portal_url()).text
        self.assertIn('name="fap_deposit_paid"', page)
        self.assertIn("643.86", page)
        self._pay(balance)
        self.assertEqual(quote.fap_status, "paid")
        receipt = balance.message_ids.filtered(lambda m: m.message_type == "comment" and "receipt" in (m.subject or ""))
        self.assertIn("is the balance of the quote", str(receipt.body))

    def test_paying_the_whole_quote_approves_it_and_pays_its_invoice_in_full(self):
        # « Full amount » in Odoo's payment dialog of a quote asking a deposit.
        quote = self._deposit_quote()
        sms_before = len(self.sandbox.twilio.messages)
        page = self._pay_order(quote, 919.80)
        self.assertEqual(quote.state, "sale")
        self.assertTrue(quote.fap_approved)
        invoice = quote.invoice_ids
        self.assertRecordValues(
            invoice, [{"move_type": "out_invoice", "state": "posted", "amount_total": 919.80, "fap_flow": True}]
        )
        self.assertFalse(invoice.invoice_line_ids.sale_line_ids.filtered("is_downpayment"), "the quote, not a deposit")
        self._assert_paid_and_reconciled(invoice)
        self.assertEqual(quote.fap_status, "paid")
        self.assertFalse(quote.fap_balance_to_invoice)
        # The customer lands on the paid invoice and gets its receipt.
        self.assertIn('name="fap_paid_badge"', page.text)
        self.assertTrue(invoice.fap_receipt_sent)
        receipt = [m for m in self.sandbox.twilio.messages[sms_before:] if invoice.name in m["body"]]
        self.assertEqual(len(receipt), 1, self.sandbox.twilio.messages[sms_before:])
        self.assertIn("919.80", receipt[0]["body"])

    def test_after_the_deposit_the_quotes_links_lead_to_what_is_still_due(self):
        quote = self._deposit_quote()
        self._pay_order(quote, 275.94)
        deposit = quote.invoice_ids

        def landing(url):
            response = self.open_as_visitor(url, allow_redirects=False)
            self.assertIn(response.status_code, (302, 303), url)
            return self.path(response.headers["Location"])

        links = {"portal link": quote.get_portal_url(), "short link": quote._fap_get_short_url()}
        # No balance yet: the deposit's page, which shows the quote's total, the deposit paid and the balance.
        for name, url in links.items():
            with self.subTest(name):
                self.assertEqual(landing(url), deposit.get_portal_url())
        quote.action_fap_invoice_balance()
        balance = quote.invoice_ids - deposit
        self.assertLess(deposit.id, balance.id, "the deposit is the lowest id")
        for name, url in links.items():
            with self.subTest(name):
                self.assertEqual(landing(url), balance.get_portal_url())
        self.assertEqual(quote.action_fap_pay_now()["params"]["move_id"], balance.id, "« Payer » shows the balance")
        # Paid, the balance is still where the links lead: it shows the deposit and what was paid.
        self._pay(balance)
        for name, url in links.items():
            with self.subTest(name):
                self.assertEqual(landing(url), balance.get_portal_url())

    def test_locking_the_quote_invoices_the_balance_when_the_company_says_so(self):
        quote = self._deposit_quote()
        self._pay_order(quote, 275.94)
        quote.action_lock()
        self.assertEqual(len(quote.invoice_ids), 1, "off by default")
        quote.action_unlock()
        self.company.fap_balance_on_lock = True
        quote.action_lock()
        self.assertEqual(sorted(quote.invoice_ids.mapped("amount_total")), [275.94, 643.86])
        self.assertFalse(quote.fap_balance_to_invoice)

    def test_a_quote_asking_a_signature_and_a_deposit_is_signed_then_paid(self):
        quote = self._make_quote(require_signature=True, require_payment=True, prepayment_percent=0.3)
        result = self._rpc(quote.get_portal_url(suffix="/accept"), {"name": "Sarah Mitchell", "signature": SIGNATURE})
        self.assertIn("allow_payment=yes", result["result"]["redirect_url"])
        self.assertEqual(quote.state, "sent", "signed, not approved until the deposit is paid")
        self.assertTrue(quote.signature)
        self.assertFalse(quote.invoice_ids)
        # Not confirmed yet: no confirmation email is waiting (Odoo sends it when the deposit confirms the order).
        self.assertFalse(quote.pending_email_template_id)
        page = self.open_as_visitor(quote.get_portal_url()).text
        self.assertIn('name="fap_approve_pay"', page)
        self._pay_order(quote, 275.94)
        self.assertEqual(quote.state, "sale")
        self.assertEqual(quote.invoice_ids.mapped("amount_total"), [275.94])

    def test_a_fixed_deposit(self):
        quote = self._make_quote(require_payment=True, prepayment_percent=0.5, fap_deposit_fixed=200.0)
        self.assertEqual(quote._fap_deposit_amount(), 200.0)
        # Another amount from the browser (or a payment link) is refused, not replaced: the deposit or the total.
        answer = self._start_transaction(f"/my/orders/{quote.id}/transaction", quote, 150.0)
        self.assertEqual(
            answer["error"]["data"]["message"],
            "Pay this quote's deposit, 200.00\xa0$, or its total, 919.80\xa0$.",
        )
        self.assertFalse(quote.transaction_ids)
        self._pay_order(quote, 200.0)
        self.assertEqual(quote.state, "sale")
        self.assertRecordValues(quote.invoice_ids, [{"amount_total": 200.0, "payment_state": "paid"}])
        quote.action_fap_invoice_balance()
        self.assertEqual(sorted(quote.invoice_ids.mapped("amount_total")), [200.0, 719.80])

    def test_the_balance_cannot_be_invoiced_twice(self):
        quote = self._deposit_quote()
        self._pay_order(quote, 275.94)
        quote.action_fap_invoice_balance()
        with self.assertRaisesRegex(Exception, "no balance left"):
            quote.action_fap_invoice_balance()
        self.assertEqual(len(quote.invoice_ids), 2)


@tagged("post_install", "-at_install")
class TestDepositMerchantTour(FapPortalPaymentCase):
    """The merchant's details of a quote asking a deposit, at 375 px with touch."""

    browser_size = "375x667"
    touch_enabled = True

    def test_the_merchant_sees_the_deposit_asked_then_paid_and_invoices_the_balance_of_a_stated_amount(self):
        admin = self.env.ref("base.user_admin")
        admin.write({"company_ids": [Command.link(self.company.id)], "company_id": self.company.id, "lang": "en_US"})
        quote = self._make_quote(require_payment=True, prepayment_percent=0.3)
        quote.fap_flow = True
        self.start_tour(f"/odoo/fap-quote/{quote.id}", "fap_merchant_deposit_asked", login="admin")

        self._pay_order(quote, 275.94)
        self.assertEqual(quote.order_line.filtered("is_downpayment").mapped("product_uom_qty"), [0.0, 0.0])
        self.start_tour(f"/odoo/fap-quote/{quote.id}", "fap_merchant_deposit_paid", login="admin")
        balance = quote.invoice_ids - quote._fap_deposit_invoices()
        self.assertEqual(balance.mapped("amount_total"), [643.86])
        self.assertEqual(balance.fap_send_state, "queued", "sent by the sending cron, after the response")
        self.run_send_queue()
        self.assertEqual(balance.fap_send_state, "sent")


@tagged("post_install", "-at_install")
class TestDepositTour(FapPortalCase):
    browser_size = "375x667"
    touch_enabled = True

    def test_a_customer_on_a_phone_approves_and_pays_the_deposit(self):
        self.enable_stripe_checkout()
        # Cards and pre-authorized debit offered: the customer picks the card (the demo add-on offers both).
        self.env.ref("payment_stripe_checkout.payment_method_acss_debit").active = True
        quote = self._make_quote(self.customer_fr, require_payment=True, prepayment_percent=0.3)
        self.start_tour_paying_on_hosted_page(quote.get_portal_url(), "facture_a_payer_customer_deposit")

        self.assertEqual(quote.state, "sale")
        self.assertEqual(quote.invoice_ids.mapped("amount_total"), [275.94])
        self.assertEqual(quote.invoice_ids.payment_state, "paid")
