"""The customer's pages of a quote asking a deposit, on a phone (390 × 844), in French.

    FAP_DB=fap_test FAP_REUSE_DB=1 ./dev test docs/screenshots/take_payment_screenshots.py

Has Chromium photograph the approval page of a quote asking a 30 % deposit (``deposit-1-approbation.png``), then,
the deposit paid on the sandbox's Checkout and the balance invoiced, the balance's invoice page with the quote's
total, the deposit paid, what is due, « Payer la facture » and « Payer par virement Interac »
(``deposit-2-facture-du-solde.png``).
"""

from phone_screenshot import phone_screenshot

from odoo.tests import tagged

from odoo.addons.facture_a_payer.tests.portal_common import FapPortalPaymentCase


@tagged("post_install", "-at_install")
class TakePaymentScreenshots(FapPortalPaymentCase):
    def shoot(self, url, name, height=844):
        self.env.flush_all()
        with self.allow_requests(all_requests=True):
            phone_screenshot(url, name, height, "--virtual-time-budget=5000")

    def test_take_payment_screenshots(self):
        self.company.write({"fap_interac": True, "fap_interac_email": "paiements@plomberie-test.example.com"})
        quote = self._make_quote(self.customer_fr, require_payment=True, prepayment_percent=0.3)
        self.shoot(self.base_url() + quote.get_portal_url(), "deposit-1-approbation.png")
        self._pay_order(quote, 275.94)
        self.assertEqual(quote.invoice_ids.payment_state, "paid")
        quote.action_fap_invoice_balance()
        balance = quote.invoice_ids.filtered(lambda move: move.payment_state == "not_paid")
        self.shoot(self.base_url() + balance.get_portal_url(), "deposit-2-facture-du-solde.png", 1100)
