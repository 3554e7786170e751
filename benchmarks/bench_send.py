"""Mass « Enregistrer et envoyer » of invoices through the sandbox (Twilio + SMTP sink).

Run with ``./dev bench bench_send`` (sizes: FAP_BENCH_SIZES, default ``100,1000``). Prints, per batch
size, documents per second and SQL queries per document for the cron's sending (the part that grows
with the batch); the set-up (creating and posting the invoices) is not measured. Each email renders
the invoice's report (as HTML under the test runner; wkhtmltopdf adds its own time in production).
"""

import os
import time
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from odoo.addons.facture_a_payer.tests.common import FapSandboxCase

SIZES = [int(size) for size in os.environ.get("FAP_BENCH_SIZES", "100,1000").split(",")]
CUSTOMERS = 50


@tagged("post_install", "-at_install")
class BenchSend(FapSandboxCase):
    def _invoices(self, count, customers):
        product = self.env["product.product"].create({"name": "Service", "list_price": 100.0, "type": "service"})
        invoices = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customers[index % len(customers)].id,
                    "invoice_line_ids": [Command.create({"product_id": product.id, "price_unit": 100.0 + index})],
                }
                for index in range(count)
            ]
        )
        invoices.action_post()
        return invoices

    def test_bench_send(self):
        self.env["res.lang"]._activate_lang("fr_CA")
        canada = self.env.ref("base.ca")
        customers = self.env["res.partner"].create(
            [
                {
                    "name": f"Client {index}",
                    "email": f"client{index}@example.com",
                    "phone": f"514 555 {1000 + index}",
                    "country_id": canada.id,
                    "lang": "fr_CA" if index % 2 else "en_US",
                }
                for index in range(CUSTOMERS)
            ]
        )
        IrCron = self.registry["ir.cron"]
        rows = []
        for size in SIZES:
            invoices = self._invoices(size, customers)
            self.env.flush_all()
            mails, sms = len(self.sandbox.mail.messages), len(self.sandbox.twilio.messages)
            invoices.action_fap_mass_send()
            self.env.flush_all()
            # The whole benchmark is one transaction: refresh the planner's statistics, as autovacuum does
            # between the committed batches of the real cron (stale ones turn index scans into seq scans).
            self.env.cr.execute("ANALYZE")
            queries = self.env.cr.sql_log_count
            start = time.perf_counter()
            with (
                self.smtp_live(),
                patch.object(IrCron, "_commit_progress", autospec=True, return_value=float("inf")),
            ):
                self.env["facture_a_payer.send.job"]._fap_process()
                self.env.flush_all()
            elapsed = time.perf_counter() - start
            queries = self.env.cr.sql_log_count - queries
            sent = set(invoices.mapped("fap_send_state"))
            assert sent == {"sent"}, sent
            assert len(self.sandbox.mail.messages) - mails == size
            assert len(self.sandbox.twilio.messages) - sms == size
            rows.append((size, elapsed, size / elapsed, queries / size))
            self.deliver_callbacks()
        print()
        print(f"{'invoices':>9} {'seconds':>9} {'docs/s':>8} {'SQL/doc':>8}   (email + SMS each, through the sandbox)")
        for size, elapsed, rate, per_doc in rows:
            print(f"{size:>9} {elapsed:>9.1f} {rate:>8.2f} {per_doc:>8.1f}")
