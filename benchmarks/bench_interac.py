"""Interac e-Transfer notifications received by Odoo's mail gateway, beside registering the payments by hand.

Run with ``./dev bench bench_interac`` (FAP_BENCH_TRANSFERS, default 100). For 500 then 5,000 open invoices, prints
the seconds and SQL queries per notification of ours: ``mail.thread.message_process`` on a notification signed by
the sandbox (DKIM checked with a DNS lookup on the loopback, read, matched by the invoice number in its message,
payment registered and reconciled, receipt email and SMS queued for after the commit); beside Odoo's native
equivalent in the same run: the merchant's « Register payment » wizard on the same number of other invoices, in a
bank journal (no email read, no matching, no receipt). The receipts that the notices' cron writes after the commit
are timed on a row of their own.
"""

import os
import time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.facture_a_payer.tests.common import FapSandboxCase
from odoo.addons.facture_a_payer.tools.email_trust import DNS_NAMESERVER_PARAM

TRANSFERS = int(os.environ.get("FAP_BENCH_TRANSFERS", "100"))


@tagged("post_install", "-at_install")
class BenchInterac(FapSandboxCase):
    def _invoices(self, count):
        customers = self.env["res.partner"].create(
            [
                {
                    "name": f"Client {self._seq + index}",
                    "email": f"client{self._seq + index}@example.com",
                    "phone": f"+1 514 7{index // 1000 % 10}{index // 100 % 10} {index % 10000:04d}",
                    "country_id": self.env.ref("base.ca").id,
                }
                for index in range(count)
            ]
        )
        self._seq += count
        invoices = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "fap_flow": True,
                    "partner_id": customer.id,
                    "invoice_line_ids": [Command.create({"name": "Service", "price_unit": 100.0, "tax_ids": False})],
                }
                for customer in customers
            ]
        )
        invoices.action_post()
        return invoices

    def test_bench_interac(self):
        self._seq = 0
        company = self.setup_quebec_company("Banc d'essai inc.")
        self.env = self.env(context=dict(self.env.context, allowed_company_ids=company.ids))
        company.write({"fap_interac": True, "fap_interac_email": "pay@bench.example"})
        self.env["ir.config_parameter"].set_param(DNS_NAMESERVER_PARAM, self.sandbox.interac.nameserver)
        self.sandbox.interac.forward_to = f"{company.fap_interac_alias_id.alias_name}@bench.example"
        self.sandbox.interac.autodeposit_to = "pay@bench.example"
        interac = self.sandbox.interac
        journal = company.fap_interac_journal_id
        rows = []

        def measure(label, run):
            self.env.flush_all()
            queries, start = self.env.cr.sql_log_count, time.perf_counter()
            run()
            self.env.flush_all()
            rows.append((label, time.perf_counter() - start, self.env.cr.sql_log_count - queries))

        open_invoices = self.env["account.move"]
        for size in (500, 5000):
            open_invoices |= self._invoices(size - len(open_invoices))
            ours, native = open_invoices[:TRANSFERS], open_invoices[TRANSFERS : 2 * TRANSFERS]
            emails = [
                interac._delivered_to() + interac.sign(interac.notification(100.0, inv.partner_id.name, inv.name)[0])
                for inv in ours
            ]
            self.env.cr.execute("ANALYZE")

            def receive(emails=emails):
                for raw in emails:
                    self.env["mail.thread"].message_process(False, raw)

            def register(native=native):
                for invoice in native:
                    self.env["account.payment.register"].with_context(
                        active_model="account.move", active_ids=invoice.ids
                    ).create({"journal_id": journal.id})._create_payments()

            def write_receipts():
                self.env["facture_a_payer.notice"].search([])._fap_write()

            measure(f"native: Register payment, {size} open", register)
            measure(f"ours: notification received, {size} open", receive)
            # After the commit, in the background: the notices' cron writes the receipts (not sent here).
            measure(f"ours, cron after: receipts, {size} open", write_receipts)
            assert all(invoice.payment_state in ("paid", "in_payment") for invoice in ours | native)
            open_invoices -= ours | native

        print()
        print(f"{TRANSFERS} e-Transfers per row (ours: DKIM + DNS, read, matched, registered, receipt queued)")
        print(f"{'':44} {'s':>8} {'ms/each':>8} {'SQL/each':>9}")
        for label, elapsed, queries in rows:
            print(f"{label:44} {elapsed:>8.2f} {1000 * elapsed / TRANSFERS:>8.1f} {queries / TRANSFERS:>9.1f}")
        for index in (0, 3):
            (label, native_time, native_sql), (_, ours_time, ours_sql) = rows[index : index + 2]
            size = label.split(", ")[1]
            print(f"ours / native, {size}: {ours_time / native_time:.2f}x time, {ours_sql / native_sql:.2f}x SQL")
