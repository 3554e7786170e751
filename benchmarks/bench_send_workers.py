"""Mass sending on Odoo's multi-process server: does it grow with the cron workers?

Run with ``./dev bench bench_send_workers`` (documents: FAP_BENCH_DOCS, default 200; cron workers:
FAP_BENCH_CRON_THREADS, default ``1,2``). For each number of cron workers it starts ``odoo-bin --workers 2
--max-cron-threads N`` on one PostgreSQL database, with the sandbox (Twilio, SMTP) on the loopback, and sends the
same kind of posted invoices twice: with Odoo's native mass Send & Print (its batch wizard, then its cron; email
only) and with ours (« Enregistrer et envoyer » from the list: our two sending crons; email and SMS). PDFs are real
(wkhtmltopdf, one document per run: ``account.pdf_generation_batch`` = 0 on both sides).

Prints, per side and number of cron workers: the seconds from the first cron run to the last document handled,
documents per second, and the seconds until the last email left Odoo's mail queue; then each side's speed-up from
1 to N cron workers and ours / native. Checks that every document was sent exactly once (emails and SMS received
by the sandbox) and that the server logged no error (a serialization failure between the crons would show there).
"""

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter

import psycopg2
from fap_sandbox import Sandbox
from fap_sandbox.twilio import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, DEMO_NUMBERS

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tools import config

CUSTOMERS = 50
NAME_RE = re.compile(r"\b[A-Z]+/\d{4}/\d+")
TIMEOUT = 3600


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Bench:
    def __init__(self, args):
        self.args = args
        self.port = free_port()
        self.sandbox = Sandbox(odoo_url=f"http://127.0.0.1:{self.port}", auto_deliver=True, delay=0.5).start()
        config.parse_config(
            [
                "-d",
                args.db,
                f"--addons-path={args.addons_path}",
                f"--data-dir={args.data_dir}",
                "--db_user",
                args.db_user,
            ]
        )
        self.registry = Registry(args.db)
        self.connection = psycopg2.connect(dbname=args.db, user=args.db_user)
        self.connection.autocommit = True

    def env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def setup(self):
        """The company's Twilio and mail server on the sandbox, 50 customers, one product."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            env["ir.config_parameter"].set_param("facture_a_payer.twilio_api_url", f"{self.sandbox.url}/twilio")
            env["ir.config_parameter"].set_param("account.pdf_generation_batch", "0")
            env["ir.config_parameter"].set_param("web.base.url", f"http://127.0.0.1:{self.port}")
            company = env.ref("base.main_company")
            canada = env.ref("base.ca")
            company.write(
                {
                    "country_id": canada.id,
                    "sms_provider": "twilio",
                    "sms_twilio_account_sid": DEMO_ACCOUNT_SID,
                    "sms_twilio_auth_token": DEMO_AUTH_TOKEN,
                    "sms_twilio_number_ids": [
                        Command.clear(),
                        Command.create({"number": DEMO_NUMBERS[0], "country_id": canada.id}),
                    ],
                }
            )
            env["ir.mail_server"].search([]).active = False
            env["ir.mail_server"].create(
                {
                    "name": "Sandbox SMTP sink",
                    "smtp_host": self.sandbox.host,
                    "smtp_port": self.sandbox.smtp_port,
                    "smtp_encryption": "none",
                }
            )
            # Only the crons under measure and the mail queue run: the others would take the cron workers' time.
            keep = [
                env.ref(xmlid).id
                for xmlid in (
                    "facture_a_payer.ir_cron_fap_send_jobs",
                    "facture_a_payer.ir_cron_fap_send_jobs_2",
                    "account.ir_cron_account_move_send",
                    "mail.ir_cron_mail_scheduler_action",
                    "sms.ir_cron_sms_scheduler_action",
                )
            ]
            env["ir.cron"].search([("id", "not in", keep)]).active = False
            env["mail.mail"].search([("state", "=", "outgoing")]).unlink()
            self.customers = (
                env["res.partner"]
                .create(
                    [
                        {
                            "name": f"Client {index}",
                            "email": f"client{index}@example.com",
                            "phone": f"514 555 {2000 + index}",
                            "country_id": canada.id,
                            "lang": "en_US",
                        }
                        for index in range(CUSTOMERS)
                    ]
                )
                .ids
            )
            self.product = env["product.product"].create({"name": "Service", "type": "service"}).id
            self.company = company.id

    def queue(self, side, count):
        """``count`` posted invoices, queued for sending by ``side``; returns their ids."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            invoices = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": self.customers[index % CUSTOMERS],
                        "invoice_line_ids": [Command.create({"product_id": self.product, "price_unit": 100 + index})],
                    }
                    for index in range(count)
                ]
            )
            invoices.action_post()
            admin = env.ref("base.user_admin")
            invoices = invoices.with_user(admin).with_company(self.company)
            if side == "native":
                env["account.move.send.batch.wizard"].with_user(admin).with_context(
                    active_model="account.move", active_ids=invoices.ids
                ).create({}).action_send_and_print()
            else:
                invoices.action_fap_mass_send()
            return invoices.ids

    def query(self, sql, params=()):
        with self.connection.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchone()

    def pending(self, side, ids):
        if side == "native":
            sql = "SELECT count(*) FROM account_move WHERE id = ANY(%s) AND sending_data IS NOT NULL"
        else:
            sql = "SELECT count(*) FROM account_move WHERE id = ANY(%s) AND fap_send_state = 'queued'"
        return self.query(sql, (ids,))[0]

    def run(self, side, cron_threads, count):
        ids = self.queue(side, count)
        mails, sms = len(self.sandbox.mail.messages), len(self.sandbox.twilio.messages)
        queued_at = self.query("SELECT now() AT TIME ZONE 'UTC'")[0]
        log = f"{self.args.data_dir}/bench-send-workers-{side}-{cron_threads}.log"
        if os.path.exists(log):
            os.remove(log)  # Odoo appends to its log file
        server = subprocess.Popen(
            [
                self.args.python,
                f"{self.args.odoo}/odoo-bin",
                "-d",
                self.args.db,
                f"--db-filter=^{self.args.db}$",
                f"--addons-path={self.args.addons_path}",
                f"--data-dir={self.args.data_dir}",
                f"--db_user={self.args.db_user}",
                "--http-interface=127.0.0.1",
                f"--http-port={self.port}",
                "--workers=2",
                f"--max-cron-threads={cron_threads}",
                # Odoo's default (limit_time_real, 120 s) kills a cron worker mid-run: Odoo's cron runner loops on a
                # job with work left, so both sides' runs last longer than that with real PDFs.
                "--limit-time-real-cron=0",
                "--log-level=info",
                f"--logfile={log}",
            ],
            env={**os.environ, "ODOO_NOTIFY_CRON_CHANGES": "1"},
        )
        try:
            deadline = time.monotonic() + TIMEOUT
            while self.pending(side, ids) and time.monotonic() < deadline:
                time.sleep(0.5)
            handled_at = self.query("SELECT now() AT TIME ZONE 'UTC'")[0]
            while self.query("SELECT count(*) FROM mail_mail WHERE state = 'outgoing'")[0]:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            mailed_at = self.query("SELECT now() AT TIME ZONE 'UTC'")[0]
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
        assert not self.pending(side, ids), f"{side}: documents left unsent after {TIMEOUT} s"
        crons = (
            ("account.ir_cron_account_move_send",)
            if side == "native"
            else ("facture_a_payer.ir_cron_fap_send_jobs", "facture_a_payer.ir_cron_fap_send_jobs_2")
        )
        started_at = self.query(
            """SELECT min(p.create_date) FROM ir_cron_progress p JOIN ir_model_data d
               ON d.model = 'ir.cron' AND d.res_id = p.cron_id AND d.module || '.' || d.name = ANY(%s)
               WHERE p.create_date >= %s""",
            (list(crons), queued_at),
        )[0]
        received = self.sandbox.mail.messages[mails:]
        texts = self.sandbox.twilio.messages[sms:]
        with self.registry.cursor() as cr:
            names = self.env(cr)["account.move"].browse(ids).mapped("name")
        self.check_once(side, names, received, texts)
        with open(log, encoding="utf-8") as lines:
            errors = [line for line in lines if re.match(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ", line)]
        assert not errors, f"{side}, {cron_threads} cron workers: errors in {log}:\n{''.join(errors[:5])}"
        return (handled_at - started_at).total_seconds(), (mailed_at - started_at).total_seconds()

    def check_once(self, side, names, received, texts):
        """Each invoice's email (and SMS, ours) received once."""
        emails = Counter(name for message in received for name in NAME_RE.findall(message["subject"]))
        assert emails == dict.fromkeys(names, 1), f"{side}: emails received per invoice: {emails}"
        if side == "ours":
            sms = Counter(name for text in texts for name in NAME_RE.findall(text["body"]))
            assert sms == dict.fromkeys(names, 1), f"{side}: SMS received per invoice: {sms}"

    def main(self):
        self.setup()
        rows = {}
        for cron_threads in self.args.cron_threads:
            for side in ("native", "ours"):
                rows[side, cron_threads] = self.run(side, cron_threads, self.args.docs)
                handled, mailed = rows[side, cron_threads]
                print(
                    f"  {side} with {cron_threads} cron worker(s): {handled:.1f} s, mail queue empty at {mailed:.1f} s"
                )
        self.sandbox.stop()
        count = self.args.docs
        print()
        print(f"{count} invoices, odoo-bin --workers 2; ours: email + SMS, native: email")
        print(f"{'side':>7} {'cron workers':>13} {'s':>8} {'docs/s':>7} {'mails out (s)':>14}")
        for (side, cron_threads), (handled, mailed) in rows.items():
            print(f"{side:>7} {cron_threads:>13} {handled:>8.1f} {count / handled:>7.2f} {mailed:>14.1f}")
        first, last = self.args.cron_threads[0], self.args.cron_threads[-1]
        for side in ("native", "ours"):
            speedup = rows[side, first][0] / rows[side, last][0]
            print(f"{side:>7}: {first} -> {last} cron workers: {speedup:.2f}x documents per second")
        for cron_threads in self.args.cron_threads:
            ratio = rows["ours", cron_threads][0] / rows["native", cron_threads][0]
            print(f"{cron_threads} cron worker(s): ours / native: {ratio:.2f}x time per document")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--odoo", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--db-user", default=os.environ.get("PGUSER", "root"))
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    args.docs = int(os.environ.get("FAP_BENCH_DOCS", "200"))
    args.cron_threads = [int(n) for n in os.environ.get("FAP_BENCH_CRON_THREADS", "1,2").split(",")]
    Bench(args).main()


if __name__ == "__main__":
    main()
