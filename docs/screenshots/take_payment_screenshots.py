"""The customer's pages of a quote asking a deposit, on a phone (390 × 844), in French.

    FAP_DB=fap_test FAP_REUSE_DB=1 ./dev test docs/screenshots/take_payment_screenshots.py

Has Chromium photograph the approval page of a quote asking a 30 % deposit (``deposit-1-approbation.png``), then,
the deposit paid on the sandbox's Checkout and the balance invoiced, the balance's invoice page with the quote's
total, the deposit paid, what is due, « Payer la facture » and « Payer par virement Interac »
(``deposit-2-facture-du-solde.png``).
"""

import pathlib
import resource
import shutil
import subprocess
import tempfile

from odoo.tests import tagged

from odoo.addons.facture_a_payer.tests.portal_common import FapPortalPaymentCase

OUT = pathlib.Path(__file__).parent


@tagged("post_install", "-at_install")
class TakePaymentScreenshots(FapPortalPaymentCase):
    def shoot(self, url, name, height=844):
        profile = tempfile.mkdtemp(prefix="fap-chromium-")
        self.addCleanup(shutil.rmtree, profile, ignore_errors=True)
        self.env.flush_all()
        with self.allow_requests(all_requests=True):
            subprocess.run(
                [
                    "chromium",
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    f"--user-data-dir={profile}",
                    "--hide-scrollbars",
                    "--virtual-time-budget=5000",
                    f"--window-size=390,{height}",
                    f"--screenshot={OUT / name}",
                    url,
                ],
                check=True,
                capture_output=True,
                timeout=60,
                # Odoo caps the test process's address space (limit_memory_hard): Chromium needs more.
                preexec_fn=lambda: resource.setrlimit(
                    resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
                ),
            )

    def test_take_payment_screenshots(self):
        self.company.write({"fap_interac": True, "fap_interac_email": "paiements@plomberie-test.example.com"})
        quote = self._make_quote(self.customer_fr, require_payment=True, prepayment_percent=0.3)
        self.shoot(self.base_url() + quote.get_portal_url(), "deposit-1-approbation.png")
        self._pay_order(quote, 275.94)
        self.assertEqual(quote.invoice_ids.payment_state, "paid")
        quote.action_fap_invoice_balance()
        balance = quote.invoice_ids.filtered(lambda move: move.payment_state == "not_paid")
        self.shoot(self.base_url() + balance.get_portal_url(), "deposit-2-facture-du-solde.png", 1100)
