import json

from lxml import html

from odoo.tests import tagged

from .portal_common import FapPortalCase, FapPortalPaymentCase


@tagged("post_install", "-at_install")
class TestPartialPayment(FapPortalPaymentCase):
    """A company that lets its customers pay part of an invoice: at least 25 % of what is due, and 50 $."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"fap_partial_payments": True, "fap_partial_min_amount": 50.0, "fap_partial_min_percent": 25.0}
        )

    def _sms(self, customer):
        return [m["body"] for m in self.sandbox.twilio.messages if m["to"] == customer._fap_get_sms_number()]

    def test_a_part_then_the_rest_each_with_its_receipt(self):
        _quote, invoice = self._approved_invoice()
        self.assertAlmostEqual(invoice.amount_residual, 919.80)
        page = self.url_open(invoice.get_portal_url()).text
        self.assertIn('id="fap_partial_amount"', page)
        self.assertIn('min="229.95"', page, "25 % of 919.80")
        self.assertIn('max="919.80"', page)
        sms_before = len(self._sms(self.customer_en))

        self._pay(invoice, amount=300.0)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 619.80)
        self.assertEqual(invoice.fap_status, "partial")
        self.assertIn(invoice, self.env["account.move"].search([("fap_status", "=", "partial")]))
        tx = invoice.transaction_ids.filtered(lambda t: t.state == "done")
        self.assertEqual(tx.amount, 300.0)
        self.assertTrue(tx.payment_id.is_reconciled)
        receipt = self._sms(self.customer_en)[sms_before:]
        self.assertEqual(len(receipt), 1)
        self.assertIn("300.00", receipt[0])
        self.assertIn("Balance: 619.80", receipt[0])
        self.assertFalse(invoice.fap_receipt_sent, "the last receipt is still to come")
        # The page asks for the rest; the minimum is now 25 % of it.
        page = self.url_open(invoice.get_portal_url()).text
        self.assertIn('min="154.95"', page)
        self.assertIn('max="619.80"', page)

        self._pay(invoice)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(invoice.fap_status, "paid")
        receipt = self._sms(self.customer_en)[sms_before + 1 :]
        self.assertEqual(len(receipt), 1)
        self.assertIn("619.80", receipt[0])
        self.assertNotIn("Balance", receipt[0])
        self.assertTrue(invoice.fap_receipt_sent)
        notes = invoice.message_ids.filtered(lambda m: "online" in str(m.body)).mapped("body")
        self.assertEqual(len(notes), 2, notes)
        # The paid page's receipt: one line per payment, each with its date, method and amount (it was one line).
        page = html.fromstring(self.url_open(invoice.get_portal_url()).text)
        lines = [
            " ".join(line.text_content().split())
            for line in page.xpath('//*[@id="fap_receipt"]//*[hasclass("o_fap_receipt_payment")]')
        ]
        self.assertEqual(len(lines), 2, lines)
        for line, amount in zip(lines, ("300.00", "619.80"), strict=True):
            self.assertIn(amount, line)
            self.assertIn("Visa •••• 4242", line)
            self.assertRegex(line, r"\d{2}/\d{2}/\d{4}")

    def test_an_amount_below_the_minimum_or_above_the_amount_due_is_refused(self):
        _quote, invoice = self._approved_invoice()
        for amount in (100.0, 229.94, 919.81, -5.0):
            with self.subTest(amount=amount):
                answer = self._start_transaction(f"/invoice/transaction/{invoice.id}", invoice, amount)
                self.assertIn("Pay from 229.95", answer["error"]["data"]["message"])
        self.assertFalse(invoice.transaction_ids)
        self._start_payment(invoice, amount=229.95)
        self.assertEqual(invoice.transaction_ids.amount, 229.95)

    def test_off_another_amount_than_what_is_due_is_refused_not_replaced(self):
        self.company.fap_partial_payments = False
        _quote, invoice = self._approved_invoice()
        self.assertNotIn('id="fap_partial_amount"', self.url_open(invoice.get_portal_url()).text)
        answer = self._start_transaction(f"/invoice/transaction/{invoice.id}", invoice, 300.0)
        self.assertEqual(answer["error"]["data"]["message"], "Pay this invoice in full: 919.80\xa0$.")
        self.assertFalse(invoice.transaction_ids)
        self._start_payment(invoice, amount=919.80)
        self.assertEqual(invoice.transaction_ids.amount, 919.80)

    def test_a_small_amount_due_is_paid_whole(self):
        _quote, invoice = self._approved_invoice()
        self._pay(invoice, amount=880.0)
        # 39.80 left, below the 50 $ minimum: only the whole of it.
        self.assertEqual(invoice._fap_partial_bounds(), (39.80, 39.80))
        answer = self._start_transaction(f"/invoice/transaction/{invoice.id}", invoice, 20.0)
        self.assertIn("error", answer)


@tagged("post_install", "-at_install")
class TestPartialPaymentWithoutMinimum(FapPortalPaymentCase):
    """Partial payments on, no minimum amount nor share: a part is still at least a cent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"fap_partial_payments": True, "fap_partial_min_amount": 0.0, "fap_partial_min_percent": 0.0})

    def test_less_than_a_cent_or_not_a_finite_number_is_refused_and_makes_no_transaction(self):
        _quote, invoice = self._approved_invoice()
        self.assertEqual(invoice._fap_partial_bounds(), (0.01, 919.80))
        self.assertIn('min="0.01"', self.url_open(invoice.get_portal_url()).text)
        route = f"/invoice/transaction/{invoice.id}"
        for amount in (0, 0.0, -0.0, 0.001, 0.004, -0.01, 919.806, 1e308, -1e308):
            with self.subTest(amount=amount):
                answer = self._start_transaction(route, invoice, amount)
                self.assertEqual(answer["error"]["data"]["message"], "Pay from 0.01\xa0$ to 919.80\xa0$.")
        # Python's JSON (Odoo's) reads NaN and Infinity, which a browser never sends: refused, not numbers.
        for amount in ("NaN", "Infinity", "-Infinity"):
            with self.subTest(amount=amount):
                answer = self._start_transaction_raw(route, invoice, amount)
                self.assertEqual(answer["error"]["data"]["name"], "werkzeug.exceptions.BadRequest")
                self.assertIn("The amount must be a number.", answer["error"]["data"]["message"])
        self.assertFalse(invoice.transaction_ids)
        self._start_payment(invoice, amount=0.01)
        self.assertEqual(invoice.transaction_ids.amount, 0.01)

    def _start_transaction_raw(self, route, invoice, amount_literal):
        """The payment form's call with ``amount_literal`` written as is in the JSON body."""
        params = {
            "access_token": invoice.access_token,
            "provider_id": self.provider.id,
            "payment_method_id": self.env.ref("payment.payment_method_card").id,
            "amount": "__AMOUNT__",
            "flow": "redirect",
            "landing_route": invoice.get_portal_url(),
        }
        body = json.dumps({"id": 0, "jsonrpc": "2.0", "method": "call", "params": params})
        self.env.flush_all()
        response = self.opener.post(
            self.base_url() + route,
            data=body.replace('"__AMOUNT__"', amount_literal),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        self.env.invalidate_all()
        return response.json()

    def test_the_refusal_is_in_the_language_of_the_customers_page(self):
        _quote, invoice = self._approved_invoice(customer=self.customer_fr)
        # The customer's page in French sets the portal's language.
        self.assertIn('lang="fr-CA"', self.open_as_visitor(f"/fr{invoice.get_portal_url()}").text)
        answer = self._start_transaction(f"/invoice/transaction/{invoice.id}", invoice, 0.004)
        self.assertEqual(answer["error"]["data"]["message"], "Payez de 0,01\xa0$ à 919,80\xa0$.")
        self.assertFalse(invoice.transaction_ids)


@tagged("post_install", "-at_install")
class TestPartialPaymentTour(FapPortalCase):
    browser_size = "375x667"
    touch_enabled = True

    def test_a_customer_on_a_phone_pays_part_of_an_invoice(self):
        self.enable_stripe_checkout()
        # Cards and pre-authorized debit offered: the customer picks the card (the demo add-on offers both).
        self.env.ref("payment_stripe_checkout.payment_method_acss_debit").active = True
        self.company.write({"fap_partial_payments": True, "fap_partial_min_percent": 25.0})
        quote = self._make_quote()
        self._approve(quote)
        invoice = quote.invoice_ids
        self.start_tour_paying_on_hosted_page(invoice.get_portal_url(), "facture_a_payer_customer_partial")

        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 619.80)
        self.assertEqual(invoice.transaction_ids.mapped("amount"), [300.0], "nothing was sent below the minimum")


@tagged("post_install", "-at_install")
class TestPartialPaymentTourFrench(FapPortalCase):
    """A class of its own: its sandbox's Stripe has not seen the first tour's payment (same reference, other
    amount: Stripe would refuse the idempotency key)."""

    browser_size = "375x667"
    touch_enabled = True

    def test_a_french_customer_writes_the_amount_with_a_decimal_comma(self):
        self.enable_stripe_checkout()
        self.company.write({"fap_partial_payments": True, "fap_partial_min_percent": 25.0})
        quote = self._make_quote(customer=self.customer_fr)
        self._approve(quote)
        invoice = quote.invoice_ids
        self.start_tour_paying_on_hosted_page(f"/fr{invoice.get_portal_url()}", "facture_a_payer_customer_partial_fr")

        self.assertEqual(invoice.transaction_ids.mapped("amount"), [300.0], "« 300,00 » is 300.00, sent once")
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 619.80)
