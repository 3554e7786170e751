"""The customer's four steps, on the server: time and SQL queries of ours, beside Odoo's native steps in the same run.

Run with ``./dev bench bench_customer_steps`` (FAP_BENCH_ROUNDS, default 10). Each step is what the customer's
browser asks of Odoo, from a public visitor who only has the link:

1. link → approval page: the SMS's short link (its redirect) and the quote's page. Native: Odoo's quote page by its
   access token, our controller overrides and inherited templates bypassed.
2. approve → invoice page: « Approuver » with a signature (the quote signed, confirmed, its invoice created and
   posted, the salesperson told; its confirmation email with the signed PDF left to a cron) and the invoice's page it
   leads to. Native: Odoo's « Accept & Sign » of a quote outside our flow (signed, confirmed, the signed PDF in its
   chatter and its confirmation email sent with the PDF) and the quote's page it leads to.
3. « Payer la facture » → hosted page: the transaction and its Stripe Checkout session (one HTTP call to the
   loopback Stripe). Odoo has no hosted Checkout of its own: no native column.
4. return → « Payée »: Odoo's return route (the session read back from Stripe, the payment posted and reconciled,
   the receipt queued), the status page, its poll and the invoice's page. No native column, as for step 3.
5. deposit: return → its page: the same return after paying the 30 % deposit that approves a quote (confirmed,
   its deposit's invoice made, posted and paid), and the page it leads to. Native: the same payment of a quote outside
   our flow (Odoo's « Online payment » of quotes: confirmed, its confirmation email sent with the PDF).

PDFs are rendered by wkhtmltopdf as in production (Odoo renders HTML instead while testing).
Time: wall time of the step's requests seen by the client on the loopback (median, fastest); queries: every SQL
statement the server runs for them. Then, for « Approuver » and the deposit's return, where the time goes inside
the requests: the slowest calls, cumulative (a call inside another counts in both).
"""

import os
import statistics
import time
from collections import defaultdict

from lxml import html as lxml_html
from native_portal import native_portal
from profiled import profiled

from odoo.tests import tagged

from odoo.addons.facture_a_payer.tests.portal_common import CARD_SUCCESS, FapPortalPaymentCase

ROUNDS = int(os.environ.get("FAP_BENCH_ROUNDS", "10"))
SIGNATURE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
# The calls worth timing: the confirmation, the invoice, the payment, the messages, the mail and SMS transports.
PROFILED = {
    "sale.order": [
        "action_confirm",
        "_fap_invoice_confirmed",
        "_send_order_confirmation_mail",
        "message_post",
        "_create_invoices",
    ],
    "payment.transaction": ["_post_process", "_set_done"],
    "account.move": ["action_post", "_fap_schedule_reminders", "_portal_ensure_token"],
    "mail.mail": ["send"],
    "sms.sms": ["_send"],
    "ir.actions.report": ["_render_qweb_pdf"],
    "ir.mail_server": ["send_email"],
}


@tagged("post_install", "-at_install")
class BenchCustomerSteps(FapPortalPaymentCase):
    def _step(self, requests):
        """Run the step's requests (callables); return (queries, seconds, result of the last)."""
        self.env.flush_all()
        count = self.cr.sql_log_count
        start = time.perf_counter()
        result = None
        for request in requests:
            result = request()
        seconds = time.perf_counter() - start
        self.env.invalidate_all()
        return self.cr.sql_log_count - count, seconds, result

    def _open(self, path):
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200, path)
        return response

    def _approve_ours(self, quote):
        answer = self._rpc(quote.get_portal_url(suffix="/accept"), {"name": "Client", "signature": SIGNATURE})["result"]
        self.assertIn("/my/invoices/", answer["redirect_url"])
        return self._open(answer["redirect_url"])

    def _approve_native(self, quote):
        answer = self._rpc(quote.get_portal_url(suffix="/accept"), {"name": "Client", "signature": SIGNATURE})
        self.assertIn("/my/orders/", answer["result"]["redirect_url"])
        return self._open(answer["result"]["redirect_url"])

    def _return_from_checkout(self, processing_values):
        page_url = lxml_html.fromstring(processing_values["redirect_form_html"]).get("action")
        answer = self.opener.post(f"{page_url}/pay", data={"cardnumber": CARD_SUCCESS}, allow_redirects=False)
        self.assertEqual(answer.status_code, 303)
        return answer.headers["Location"]

    def test_bench_customer_steps(self):
        self.env.company.fap_auto_invoice = True
        Report = type(self.env["ir.actions.report"])
        render_pdf = Report._render_qweb_pdf
        self.patch(
            Report,
            "_render_qweb_pdf",
            lambda report, *args, **kwargs: render_pdf(
                report.with_context(force_report_rendering=True), *args, **kwargs
            ),
        )
        results = defaultdict(lambda: ([], []))
        totals = defaultdict(list)
        deposit_totals = defaultdict(list)

        def record(key, measure):
            queries, seconds, result = measure
            results[key][0].append(queries)
            results[key][1].append(seconds)
            return result

        for _round in range(ROUNDS + 1):  # the first round warms up and is left out
            ours = self._make_quote(require_signature=True)
            ours._fap_get_short_url()
            native = self._make_quote(fap_flow=False, require_signature=True)
            short_path = self.path(ours._fap_get_short_url())
            record(("link", "ours"), self._step([lambda q=short_path: self._open(q)]))
            with native_portal(self.env):
                record(("link", "native"), self._step([lambda q=native: self._open(self.path(q.get_portal_url()))]))
            with profiled(self.env, PROFILED, totals if _round else defaultdict(list)):
                record(("approve", "ours"), self._step([lambda q=ours: self._approve_ours(q)]))
            with native_portal(self.env):
                record(("approve", "native"), self._step([lambda q=native: self._approve_native(q)]))
            invoice = ours.invoice_ids
            self.assertEqual(invoice.state, "posted")
            processing_values = record(("pay", "ours"), self._step([lambda i=invoice: self._start_payment(i)]))
            location = self._return_from_checkout(processing_values)
            self.env.flush_all()
            record(
                ("paid", "ours"),
                self._step(
                    [
                        lambda loc=location: self.url_open(loc),
                        lambda: self._rpc("/payment/status/poll")["result"],
                        lambda i=invoice: self._open(self.path(i.get_portal_url())),
                    ]
                ),
            )
            self.assertEqual(invoice.payment_state, "paid")
            for side, fap_flow in (("ours", True), ("native", False)):
                quote = self._make_quote(fap_flow=fap_flow, require_payment=True, prepayment_percent=0.3)
                answer = self._start_transaction(f"/my/orders/{quote.id}/transaction", quote, 275.94)
                location = self._return_from_checkout(answer["result"])
                self.env.flush_all()
                with profiled(self.env, PROFILED, deposit_totals if _round and fap_flow else defaultdict(list)):
                    record(
                        ("deposit", side),
                        self._step(
                            [
                                lambda loc=location: self.url_open(loc),
                                lambda: self._rpc("/payment/status/poll")["result"],
                                lambda q=quote: self._open(self.path(q.get_portal_url())),
                            ]
                        ),
                    )
                self.assertEqual(quote.state, "sale")
            if not _round:
                results.clear()

        print()
        print(__doc__.strip())
        print()
        print(f"{ROUNDS} rounds.")
        print(
            f"{'step':34} {'queries ours / native':>22} {'ratio':>6}   {'median ms ours / native':>24} {'ratio':>6}"
            f"   {'fastest ms ours / native':>25} {'ratio':>6}"
        )
        steps = {
            "link": "1. link → approval page",
            "approve": "2. approve → invoice page",
            "pay": "3. « Payer » → hosted page",
            "paid": "4. return → « Payée »",
            "deposit": "5. deposit: return → its page",
        }
        for key, label in steps.items():
            our_q, our_t = results[key, "ours"]
            our = (statistics.median(our_q), statistics.median(our_t) * 1000, min(our_t) * 1000)
            if (key, "native") in results:
                nat_q, nat_t = results[key, "native"]
                nat = (statistics.median(nat_q), statistics.median(nat_t) * 1000, min(nat_t) * 1000)
                print(
                    f"{label:34} {f'{our[0]:.0f} / {nat[0]:.0f}':>22} {our[0] / nat[0]:6.2f}"
                    f"   {f'{our[1]:.1f} / {nat[1]:.1f}':>24} {our[1] / nat[1]:6.2f}"
                    f"   {f'{our[2]:.1f} / {nat[2]:.1f}':>25} {our[2] / nat[2]:6.2f}"
                )
            else:
                print(
                    f"{label:34} {f'{our[0]:.0f} / —':>22} {'':>6}   {f'{our[1]:.1f} / —':>24} {'':>6}"
                    f"   {f'{our[2]:.1f} / —':>25}"
                )
        print()
        for title, spent_by_call in (
            ("« Approuver »", totals),
            ("the return from the deposit's payment", deposit_totals),
        ):
            print(f"Inside {title} (ours), per round, cumulative:")
            for label, spent in sorted(spent_by_call.items(), key=lambda item: -sum(item[1])):
                print(f"  {label:45} {sum(spent) / ROUNDS * 1000:8.1f} ms   {len(spent) / ROUNDS:4.1f} calls")
