"""The reminder cron at scale: 10,000 open invoices of which 500 are due today.

Run with ``./dev bench bench_reminders`` (FAP_BENCH_OPEN, default 10000; FAP_BENCH_DUE, default 500). Prints the
cron's seconds and SQL queries per due invoice (email through the sandbox's SMTP sink, SMS handed to the sandbox's
Twilio once the batch is committed), beside Odoo's native equivalent in the same run (its composer posting Odoo's
own invoice email template, and its SMS queued with ``_message_sms_with_template``, on 500 other invoices: the
same messages without the reminder's choice of documents, customer hours and grouping, and without sending the
SMS), then the cron's queries when nothing is due (per open invoice).
"""

import os
import time
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.facture_a_payer.tests.common import FapSandboxCase

OPEN = int(os.environ.get("FAP_BENCH_OPEN", "10000"))
DUE = int(os.environ.get("FAP_BENCH_DUE", "500"))


@tagged("post_install", "-at_install")
class BenchReminders(FapSandboxCase):
    def _invoices(self, customers, count, due):
        product = self.env["product.product"].create({"name": "Service", "type": "service"})
        invoices = self.env["account.move"]
        for start in range(0, count, 1000):
            invoices |= self.env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": customers[index % len(customers)].id,
                        "invoice_date_due": due,
                        "invoice_line_ids": [
                            Command.create({"product_id": product.id, "price_unit": 100 + index, "tax_ids": False})
                        ],
                    }
                    for index in range(start, min(start + 1000, count))
                ]
            )
        invoices.action_post()
        invoices.write({"invoice_date_due": due})
        return invoices

    def _customers(self, count, prefix):
        canada = self.env.ref("base.ca")
        return self.env["res.partner"].create(
            [
                {
                    "name": f"{prefix} {index}",
                    "email": f"{prefix.lower()}{index}@example.com",
                    "phone": f"+1 514 7{index // 10000 % 10}{index // 1000 % 10} {index % 1000:04d}",
                    "country_id": canada.id,
                    "tz": "America/Montreal",
                    "lang": "en_US",
                }
                for index in range(count)
            ]
        )

    def test_bench_reminders(self):
        self.env.company.partner_id.tz = "America/Montreal"
        self.env["facture_a_payer.reminder.step"]._fap_create_default_cadence(self.env.company)
        today = fields.Date.context_today(self.env.user)
        noon = f"{today} 17:00"  # 12:00 or 13:00 in Montréal
        # The documents as « Enregistrer et envoyer » leaves them, without sending them (not measured).
        due = self._invoices(self._customers(DUE, "Due"), DUE, today + timedelta(days=3))
        not_due = self._invoices(self._customers(1000, "Later"), OPEN - DUE, today + timedelta(days=30))
        native = self._invoices(self._customers(DUE, "Native"), DUE, today + timedelta(days=3))
        with freeze_time(today - timedelta(days=5)):
            (due | not_due).write({"fap_flow": True, "fap_sent_at": fields.Datetime.now()})
            (due | not_due)._fap_schedule_reminders()
        assert set(due.mapped("fap_next_reminder_date")) == {today}
        assert set(not_due.mapped("fap_next_reminder_date")) == {today + timedelta(days=27)}
        self.env.flush_all()
        self.env.cr.execute("ANALYZE")
        IrCron = self.registry["ir.cron"]
        rows = []

        def measure(label, count, run):
            self.env.flush_all()
            queries, start = self.env.cr.sql_log_count, time.perf_counter()
            with (
                freeze_time(noon),
                self.smtp_live(),
                patch.object(IrCron, "_commit_progress", autospec=True, return_value=float("inf")),
            ):
                run()
                self.env.flush_all()
            elapsed, queries = time.perf_counter() - start, self.env.cr.sql_log_count - queries
            rows.append((label, count, elapsed, queries))

        mails, sms = len(self.sandbox.mail.messages), len(self.env["sms.sms"].search([]))

        def native_sending():
            template = self.env.ref("account.email_template_edi_invoice")
            sms_template = self.env.ref("facture_a_payer.sms_template_fap_reminder_invoice")
            for invoice in native:
                invoice.message_post_with_source(
                    template,
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                    partner_ids=invoice.partner_id.ids,
                )
                invoice._message_sms_with_template(
                    template=sms_template, partner_ids=invoice.partner_id.ids, put_in_queue=True
                )

        measure("native: composer + SMS queued, per invoice", DUE, native_sending)
        native_mails = len(self.sandbox.mail.messages) - mails
        measure("ours: the cron, per due invoice", DUE, self.env["facture_a_payer.reminder"]._fap_cron)
        ours_mails = len(self.sandbox.mail.messages) - mails - native_mails
        assert len(due.fap_reminder_ids.filtered(lambda r: r.state == "sent")) == DUE
        assert not not_due.fap_reminder_ids
        assert ours_mails == DUE and native_mails == DUE, (ours_mails, native_mails)
        assert len(self.env["sms.sms"].search([])) - sms == 2 * DUE
        measure("ours: the cron, nothing due, per open invoice", OPEN, self.env["facture_a_payer.reminder"]._fap_cron)

        print()
        print(f"{OPEN} open invoices, {DUE} due today (emails sent to the SMTP sink; SMS: native queued, ours sent)")
        print(f"{'':48} {'docs':>6} {'s':>8} {'ms/doc':>8} {'SQL/doc':>8}")
        for label, count, elapsed, queries in rows:
            print(f"{label:48} {count:>6} {elapsed:>8.2f} {1000 * elapsed / count:>8.2f} {queries / count:>8.3f}")
        (_, _, native_time, native_sql), (_, _, ours_time, ours_sql) = rows[:2]
        print(f"ours / native per due invoice: {ours_time / native_time:.2f}x time, {ours_sql / native_sql:.2f}x SQL")
