from odoo import fields
from odoo.tests import tagged

from .portal_common import FapPortalCase


@tagged("post_install", "-at_install")
class TestPortalTour(FapPortalCase):
    browser_size = "375x667"
    touch_enabled = True

    def test_a_customer_on_a_phone_approves_and_pays_in_french(self):
        self.enable_stripe_checkout()
        # Cards and pre-authorized debit offered: the customer picks the card (the demo add-on offers both).
        self.env.ref("payment_stripe_checkout.payment_method_acss_debit").active = True
        quote = self._make_quote(customer=self.customer_fr)
        quote.fap_sent_at = fields.Datetime.now()
        # A public visitor with the link: the merchant's pages, without Odoo's portal around them (the tour checks).
        self.start_tour_paying_on_hosted_page(quote.get_portal_url(), "facture_a_payer_customer_path")

        self.assertEqual(quote.state, "sale")
        self.assertEqual(len(quote.invoice_ids), 1)
        invoice = quote.invoice_ids
        self.assertEqual(invoice.payment_state, "paid")
        payment = invoice.transaction_ids.filtered(lambda tx: tx.state == "done").payment_id
        self.assertTrue(payment.is_reconciled)
        self.assertEqual(self.sandbox.stripe.sessions[invoice.transaction_ids.provider_reference]["status"], "complete")

    def test_a_customer_signs_the_quote_and_the_page_loaded_no_signature_fonts(self):
        # Odoo's default for the quotes of the app: the customer signs to approve.
        quote = self._make_quote(customer=self.customer_fr, require_signature=True)
        self.start_tour(self.path(quote.get_portal_url()), "facture_a_payer_customer_signs", timeout=120)

        self.assertEqual(quote.state, "sale")
        self.assertEqual(quote.signed_by, "Élise Tremblay")
        self.assertTrue(quote.signature)
        self.assertEqual(quote.invoice_ids.state, "posted")
