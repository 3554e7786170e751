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

    def test_an_amount_below_the_minimum_or_above_the_amount_due_is_refused(self):
        _quote, invoice = self._approved_invoice()
        for amount in (100.0, 229.94, 919.81, -5.0):
            with self.subTest(amount=amount):
                answer = self._start_transaction(f"/invoice/transaction/{invoice.id}", invoice, amount)
                self.assertIn("Pay from 229.95", answer["error"]["data"]["message"])
        self.assertFalse(invoice.transaction_ids)
        self._start_payment(invoice, amount=229.95)
        self.assertEqual(invoice.transaction_ids.amount, 229.95)

    def test_off_the_amount_is_always_what_is_due(self):
        self.company.fap_partial_payments = False
        _quote, invoice = self._approved_invoice()
        self.assertNotIn('id="fap_partial_amount"', self.url_open(invoice.get_portal_url()).text)
        self._start_payment(invoice, amount=300.0)
        self.assertEqual(invoice.transaction_ids.amount, 919.80)

    def test_a_small_amount_due_is_paid_whole(self):
        _quote, invoice = self._approved_invoice()
        self._pay(invoice, amount=880.0)
        # 39.80 left, below the 50 $ minimum: only the whole of it.
        self.assertEqual(invoice._fap_partial_bounds(), (39.80, 39.80))
        answer = self._start_transaction(f"/invoice/transaction/{invoice.id}", invoice, 20.0)
        self.assertIn("error", answer)


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
