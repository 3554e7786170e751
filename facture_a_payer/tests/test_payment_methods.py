from fap_sandbox.stripe import BANK_FAILURE, BANK_SUCCESS, CARD_ASYNC_FAILURE
from lxml import html as lxml_html

from odoo.tests import tagged

from .portal_common import FapPortalPaymentCase


@tagged("post_install", "-at_install")
class TestPaymentMethods(FapPortalPaymentCase):
    """Card, wallets and Canadian pre-authorized debit on Stripe Checkout: the receipt names what paid."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pad = cls.env.ref("payment_stripe_checkout.payment_method_acss_debit")
        cls.pad.active = True

    def _receipt_email(self, invoice):
        return invoice.message_ids.filtered(lambda m: m.message_type == "comment" and "receipt" in (m.subject or ""))

    def _sms(self, customer):
        return [m["body"] for m in self.sandbox.twilio.messages if m["to"] == customer._fap_get_sms_number()]

    def test_a_card_payment_names_the_brand_and_last_digits(self):
        _quote, invoice = self._approved_invoice()
        page = self._pay(invoice)
        tx = invoice.transaction_ids
        self.assertEqual((tx.payment_method_id.code, tx.stripe_checkout_payment_details), ("visa", "Visa •••• 4242"))
        self.assertIn('name="fap_paid_with">Visa •••• 4242<', page.text)
        self.assertIn("Paid with: <strong>Visa •••• 4242</strong>", str(self._receipt_email(invoice).body))

    def test_a_wallet_payment_names_the_wallet(self):
        _quote, invoice = self._approved_invoice()
        page = self._pay(invoice, form={"wallet": "apple_pay"})
        tx = invoice.transaction_ids
        self.assertEqual(tx.payment_method_id, self.env.ref("payment_stripe_checkout.payment_method_apple_pay"))
        self.assertEqual(tx._fap_payment_label(), "Apple Pay · Visa •••• 4242")
        self.assertIn("Apple Pay · Visa •••• 4242", page.text)
        self._assert_paid_and_reconciled(invoice)
        # The provider lists the wallets among its payment methods, Checkout shows them when on in Stripe.
        self.assertIn("google_pay", self.provider.payment_method_ids.mapped("code"))
        self.sandbox.stripe.wallets = ()
        answer = self._start_payment(self._approved_invoice()[1])
        self.assertNotIn("Apple Pay", self.url_open(self._hosted_page(answer)).text)

    def test_the_customer_chooses_the_method_once_on_checkout(self):
        _quote, invoice = self._approved_invoice()
        page = lxml_html.fromstring(self.url_open(invoice.get_portal_url()).content)
        options = page.xpath("//*[@id='pay_with']//input[@name='o_payment_radio']")
        # One option for Stripe Checkout, already selected: « Payer » goes to Checkout.
        self.assertEqual(
            [(o.get("data-provider-code"), "checked" in o.attrib) for o in options], [("stripe_checkout", True)]
        )
        # Checkout offers the card and the bank account; what paid is read back from Stripe.
        hosted_page = self.url_open(self._hosted_page(self._start_payment(invoice))).text
        self.assertIn('name="cardnumber"', hosted_page)
        self.assertIn('name="acss_debit"', hosted_page)
        # A pre-authorized debit that Odoo's form would offer on its own is refused by the payment route.
        answer = self._start_transaction(
            f"/invoice/transaction/{invoice.id}", invoice, invoice.amount_residual, payment_method=self.pad
        )
        self.assertIn("not available", answer["error"]["data"]["message"])

    @staticmethod
    def _hosted_page(processing_values):
        return lxml_html.fromstring(processing_values["redirect_form_html"]).get("action")

    def test_a_pre_authorized_debit_is_processed_then_paid(self):
        _quote, invoice = self._approved_invoice()
        self.send(invoice)
        page = self._pay(invoice, form={"account": BANK_SUCCESS, "mandate": "1"})
        tx = invoice.transaction_ids
        session = self.sandbox.stripe.sessions[tx.provider_reference]
        self.assertEqual(session["payment_method_types"], ["card", "acss_debit"])
        self.assertEqual(session["payment_method_options"]["acss_debit"]["currency"], "cad")
        self.assertEqual(tx.state, "pending")
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertIn("Your payment is being processed.", page.text)
        self.assertEqual(invoice.fap_reminder_status, "none", "no reminder while the debit is processed")

        self.sandbox.stripe.settle_async_payments()
        self.deliver_callbacks()
        tx._post_process()
        self._assert_paid_and_reconciled(invoice)
        self.assertEqual(tx._fap_payment_label(), "Pre-authorized debit (PAD) · STRIPE TEST BANK •••• 6789")
        self.deliver_notices()
        self.assertIn("STRIPE TEST BANK •••• 6789", str(self._receipt_email(invoice).body))

    def test_a_pre_authorized_debit_that_fails_later_tells_the_customer_and_the_merchant(self):
        _quote, invoice = self._approved_invoice()
        self.send(invoice)
        self._pay(invoice, form={"account": BANK_FAILURE, "mandate": "1"})
        self.assertEqual(invoice.transaction_ids.state, "pending")
        sms_before = len(self._sms(self.customer_en))

        self.sandbox.stripe.settle_async_payments()
        self.deliver_callbacks()
        self.deliver_notices()
        tx = invoice.transaction_ids
        self.assertEqual(tx.state, "error")
        self.assertEqual(invoice.payment_state, "not_paid")
        # The customer: an SMS and an email with the link to pay again; the invoice page says it.
        sms = self._sms(self.customer_en)[sms_before:]
        self.assertEqual(len(sms), 1)
        self.assertIn("did not go through", sms[0])
        email = invoice.message_ids.filtered(lambda m: "did not go through" in (m.subject or ""))
        self.assertEqual(len(email), 1)
        page = self.url_open(invoice.get_portal_url()).text
        self.assertIn('name="fap_payment_failed"', page)
        self.assertIn("The payment was declined by the customer", page)
        self.assertIn('name="fap_pay"', page, "« Payer la facture » again")
        # The merchant: a note and an activity; reminders resume.
        activity = invoice.activity_ids.filtered(lambda a: a.user_id == self.salesperson)
        self.assertEqual(activity.summary, "A payment did not go through")
        self.assertEqual(invoice.fap_reminder_status, "planned")

    def test_once_paid_an_earlier_failed_payment_is_history_and_the_merchant_to_do_closes(self):
        _quote, invoice = self._approved_invoice()
        self.send(invoice)
        self._pay(invoice, form={"account": BANK_FAILURE, "mandate": "1"})
        self.sandbox.stripe.settle_async_payments()
        self.deliver_callbacks()
        self.deliver_notices()
        self.assertEqual(invoice.transaction_ids.state, "error")
        to_do = invoice.activity_ids.filtered(lambda a: a.summary == "A payment did not go through")
        self.assertEqual(len(to_do), 1)
        # Then paid another way (an Interac e-Transfer, a cheque): no card transaction done.
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {}
        )._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        page = self.url_open(invoice.get_portal_url()).text
        self.assertNotIn("The payment was declined by the customer", page)
        self.assertNotIn("An error occurred during the processing of your payment", page)
        self.assertNotIn('name="fap_payment_failed"', page)
        self.assertFalse(to_do.exists() and to_do.active, "the merchant's to-do closed by itself")

    def test_a_card_refused_after_authentication_is_said_on_the_invoice_page(self):
        _quote, invoice = self._approved_invoice()
        self._pay(invoice, CARD_ASYNC_FAILURE)
        sms_before = len(self._sms(self.customer_en))
        self.sandbox.stripe.settle_async_payments()
        self.deliver_callbacks()
        self.deliver_notices()
        page = self.url_open(invoice.get_portal_url()).text
        self.assertIn("Your payment did not go through.", page)
        self.assertEqual(len(self._sms(self.customer_en)) - sms_before, 1, "the customer is told by SMS")
