"""Mass sending of invoices: ours (« Enregistrer et envoyer » in the background: email + SMS) against Odoo's
native Send & Print of a batch (email only: its batch wizard, then its cron), on the same kind of invoices, in
one run, through the sandbox (Twilio + SMTP sink).

Run with ``./dev bench bench_send`` (sizes: FAP_BENCH_SIZES, default ``100,1000``). The PDFs are real: rendered by
wkhtmltopdf (``force_report_rendering``), not the HTML the test runner uses otherwise. Prints, per batch size and
side, seconds per document and SQL queries per document of the sending itself (creating and posting the invoices
is not measured), and ours / native.
"""

import os
import time
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from odoo.addons.facture_a_payer.models.facture_a_payer_send_job import BATCH_SIZE
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
        env = self.env(context=dict(self.env.context, force_report_rendering=True))
        # Debian's wkhtmltopdf (unpatched Qt) renders one document per run: Odoo's setting for it, on both sides.
        self.env["ir.config_parameter"].set_param("account.pdf_generation_batch", "0")
        rows = []
        for size in SIZES:
            for side in ("native", "ours"):
                invoices = self._invoices(size, customers).with_env(env)
                mails, sms = len(self.sandbox.mail.messages), len(self.sandbox.twilio.messages)
                if side == "native":
                    wizard = (
                        env["account.move.send.batch.wizard"]
                        .with_context(active_model="account.move", active_ids=invoices.ids)
                        .create({})
                    )
                    wizard.action_send_and_print()
                else:
                    invoices.action_fap_mass_send()
                self.env.flush_all()
                # The whole benchmark is one transaction: refresh the planner's statistics, as autovacuum does
                # between the committed batches of the real crons (stale ones turn index scans into seq scans).
                self.env.cr.execute("ANALYZE")
                queries = self.env.cr.sql_log_count
                start = time.perf_counter()
                with (
                    self.smtp_live(),
                    patch.object(IrCron, "_commit_progress", autospec=True, return_value=float("inf")),
                ):
                    if side == "native":
                        # Odoo's cron takes 10 invoices a run by default: here the same batches as ours.
                        while env["account.move"].search_count([("sending_data", "!=", False)]):
                            env["account.move"]._cron_account_move_send(job_count=BATCH_SIZE)
                    else:
                        env["facture_a_payer.send.job"]._fap_process()
                    self.env.flush_all()
                elapsed = time.perf_counter() - start
                queries = self.env.cr.sql_log_count - queries
                assert all(invoice.invoice_pdf_report_id.raw[:4] == b"%PDF" for invoice in invoices)
                assert len(self.sandbox.mail.messages) - mails == size
                if side == "ours":
                    assert set(invoices.mapped("fap_send_state")) == {"sent"}
                    assert len(self.sandbox.twilio.messages) - sms == size
                rows.append((size, side, elapsed / size, queries / size))
                self.deliver_callbacks()
        print()
        print(f"{'invoices':>9} {'side':>7} {'s/doc':>7} {'SQL/doc':>8}   (ours: email + SMS; native: email)")
        for size, side, per_doc, sql in rows:
            print(f"{size:>9} {side:>7} {per_doc:>7.3f} {sql:>8.1f}")
        for size in SIZES:
            native, ours = (row for row in rows if row[0] == size)
            ratio_time, ratio_sql = ours[2] / native[2], ours[3] / native[3]
            print(f"{size:>9} ours/native: {ratio_time:.2f}x time, {ratio_sql:.2f}x SQL per document")
