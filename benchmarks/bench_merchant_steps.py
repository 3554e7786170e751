"""The merchant's waits, on the server: time and SQL queries of our buttons, beside Odoo's native ones in the same run.

Run with ``./dev bench bench_merchant_steps`` (FAP_BENCH_ROUNDS, default 5). Each step is what the merchant's click
asks of the server until it answers (the page then shows the result):

1. « Enregistrer et envoyer » on a quote (checked, queued, the sending cron triggered). Native: Odoo's « Send » by
   email of a quote outside our flow (its composer opened, then « Send »: the PDF rendered, the email sent).
2. « Enregistrer et envoyer » on a posted invoice. Native: Odoo's « Send » (Send & Print by email).
3. « Facturer le solde » of a quote whose 30 % deposit is paid (the final invoice created, posted and queued). Native:
   Odoo's « Create invoice » (the final invoice, deposit deducted) then « Confirm ».
4. After the response, what the sending crons and Odoo's mail queue then do for our three steps (the PDFs, emails
   and SMS): time and queries.

Beside them, « in request »: our buttons as they were before (issue 24), the PDF, the email and the SMS sent in the
merchant's request.

PDFs are rendered by wkhtmltopdf as in production, emails go to the sandbox's SMTP sink and SMS to its Twilio. Time:
server wall time of the button's call (median, fastest); queries: every SQL statement it runs. Then, for our
buttons, where the time goes inside the call (cumulative; a call inside another counts in both).
"""

import os
import statistics
import time
from collections import defaultdict
from unittest.mock import patch

from profiled import profiled

from odoo import Command
from odoo.tests import tagged

from odoo.addons.facture_a_payer.tests.portal_common import FapPortalPaymentCase

ROUNDS = int(os.environ.get("FAP_BENCH_ROUNDS", "5"))
PROFILED = {
    "ir.actions.report": ["_pre_render_qweb_pdf"],
    "mail.thread": ["message_post"],
    "mail.template": ["_generate_template"],
    "mail.mail": ["send"],
    "ir.mail_server": ["send_email"],
    "sms.sms": ["_send"],
    "account.move.send": ["_generate_and_send_invoices"],
    "account.move": ["action_post", "_fap_schedule_reminders", "_fap_get_qr_data_uri"],
    "sale.order": ["_create_invoices", "_fap_get_qr_data_uri"],
}


@tagged("post_install", "-at_install")
class BenchMerchantSteps(FapPortalPaymentCase):
    def _step(self, call, *args):
        """Run ``call(*args)`` as the server runs a button; return (queries, seconds, result)."""
        self.env.flush_all()
        count = self.cr.sql_log_count
        start = time.perf_counter()
        result = call(*args)
        self.env.flush_all()
        seconds = time.perf_counter() - start
        self.env.invalidate_all()
        return self.cr.sql_log_count - count, seconds, result

    def _native_quote_send(self, quote):
        action = quote.action_quotation_send()
        composer = self.env["mail.compose.message"].with_context(action["context"]).create({})
        composer.action_send_mail()

    def _native_invoice_send(self, invoice):
        action = invoice.action_send_and_print()
        wizard = self.env["account.move.send.wizard"].with_context(action["context"]).create({})
        wizard.sending_methods = ["email"]
        wizard.action_send_and_print()

    def _native_invoice_balance(self, order):
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "delivered"})
        )
        invoice = wizard._create_invoices(order)
        invoice.action_post()

    def _invoice_balance_in_request(self, order):
        invoice = order.with_context(mail_auto_subscribe_no_notify=True)._create_invoices(final=True)
        invoice = invoice.with_env(order.env)
        invoice.fap_flow = True
        invoice.action_post()
        invoice._fap_send()

    def _invoice(self, fap_flow):
        quote = self._make_quote(fap_flow=fap_flow)
        quote.action_confirm()
        quote.order_line.qty_delivered = 2
        invoice = quote._create_invoices()
        invoice.fap_flow = fap_flow
        invoice.action_post()
        return invoice

    def _deposit_paid(self, fap_flow):
        quote = self._make_quote(require_payment=True, prepayment_percent=0.3, fap_flow=fap_flow)
        if fap_flow:
            self._pay_order(quote, 275.94)
        else:
            quote.action_confirm()
            wizard = (
                self.env["sale.advance.payment.inv"]
                .with_context(active_model="sale.order", active_ids=quote.ids)
                .create({"advance_payment_method": "percentage", "amount": 30})
            )
            wizard._create_invoices(quote).action_post()
        quote.order_line.filtered(lambda line: not line.is_downpayment).qty_delivered = 2
        return quote

    def _after_response(self):
        """What runs after our buttons' response: the sending crons, then Odoo's mail queue (their batch commits
        counted, not done)."""
        self.env.flush_all()
        with patch.object(self.registry["ir.cron"], "_commit_progress", autospec=True, return_value=float("inf")):
            self.env["facture_a_payer.send.job"]._fap_process()
            self.env["mail.mail"].process_email_queue()

    def test_bench_merchant_steps(self):
        Report = type(self.env["ir.actions.report"])
        render_pdf = Report._pre_render_qweb_pdf
        self.patch(
            Report,
            "_pre_render_qweb_pdf",
            lambda report, *args, **kwargs: render_pdf(
                report.with_context(force_report_rendering=True), *args, **kwargs
            ),
        )
        self.salesperson.group_ids = [Command.link(self.env.ref("account.group_account_invoice").id)]
        results = defaultdict(lambda: ([], []))
        totals = defaultdict(list)

        def record(key, measure):
            queries, seconds, _result = measure
            results[key][0].append(queries)
            results[key][1].append(seconds)

        steps = {
            "quote": "1. « Enregistrer et envoyer », quote",
            "invoice": "2. « Enregistrer et envoyer », invoice",
            "balance": "3. « Facturer le solde »",
            "after": "4. after the response (crons)",
        }
        ours = {
            "quote": lambda quote: quote.action_fap_save_and_send(),
            "invoice": lambda invoice: invoice.action_fap_save_and_send(),
            "balance": lambda order: order.action_fap_invoice_balance(),
        }
        native = {
            "quote": self._native_quote_send,
            "invoice": self._native_invoice_send,
            "balance": self._native_invoice_balance,
        }
        # The buttons as they were before issue 24: the PDF, the email and the SMS in the merchant's request.
        in_request = {
            "quote": lambda quote: quote._fap_send(),
            "invoice": lambda invoice: invoice._fap_send(),
            "balance": self._invoice_balance_in_request,
        }
        sides = {"ours": ours, "in request": in_request, "native": native}
        for _round in range(ROUNDS + 1):  # the first round warms up and is left out
            documents = {}
            for side in sides:
                fap_flow = side != "native"
                documents["quote", side] = self._make_quote(fap_flow=fap_flow)
                documents["invoice", side] = self._invoice(fap_flow)
                documents["balance", side] = self._deposit_paid(fap_flow)
            merchant = self.env(user=self.salesperson)
            with self.smtp_live():
                self._after_response()
                with profiled(self.env, PROFILED, totals if _round else defaultdict(list)):
                    for key, call in ours.items():
                        record((key, "ours"), self._step(call, documents[key, "ours"].with_env(merchant)))
                    record(("after", "ours"), self._step(self._after_response))
                for side in ("in request", "native"):
                    for key, call in sides[side].items():
                        record((key, side), self._step(call, documents[key, side].with_env(merchant)))
            for side in sides:
                self.assertEqual(documents["quote", side].state, "sent")
            if not _round:
                results.clear()

        print()
        print(__doc__.strip())
        print()
        print(f"{ROUNDS} rounds. « in request »: our buttons as they were, sending in the merchant's request.")
        print(
            f"{'step':40} {'queries ours / in request / native':>36}   {'median ms ours / in request / native':>38}"
            f"   {'ours / native':>13}   {'in request / native':>19}"
        )
        for key, label in steps.items():
            row = {}
            for side in sides:
                if (key, side) in results:
                    queries, seconds = results[key, side]
                    row[side] = (statistics.median(queries), statistics.median(seconds) * 1000)
            queries = " / ".join(f"{row[side][0]:.0f}" if side in row else "—" for side in sides)
            times = " / ".join(f"{row[side][1]:.0f}" if side in row else "—" for side in sides)
            ratios = (
                f"{row['ours'][1] / row['native'][1]:13.2f}   {row['in request'][1] / row['native'][1]:19.2f}"
                if "native" in row
                else ""
            )
            print(f"{label:40} {queries:>36}   {times:>38}   {ratios}")
        print()
        print("Inside our buttons and the crons after them, per round, cumulative:")
        for label, spent in sorted(totals.items(), key=lambda item: -sum(item[1])):
            print(f"  {label:45} {sum(spent) / ROUNDS * 1000:8.1f} ms   {len(spent) / ROUNDS:4.1f} calls")
