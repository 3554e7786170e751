"""Server time and SQL queries of Stripe webhook deliveries (``./dev bench bench_stripe_webhook``).

One delivery of ``checkout.session.completed`` that completes a payment, then 100 deliveries of that
same event (Stripe retries, duplicates): each goes through the real HTTP route, the SDK's signature
check and Odoo's ``_process``. Server time is measured around Odoo's WSGI application; queries are
counted on the database connection the test server uses.
"""

import statistics
import time
from contextlib import contextmanager
from unittest.mock import patch

from odoo import http
from odoo.tests import tagged

from odoo.addons.payment_stripe_checkout.controllers.main import StripeCheckoutController
from odoo.addons.payment_stripe_checkout.tests.common import StripeCheckoutCommon

DUPLICATES = 100


@tagged("post_install", "-at_install")
class BenchStripeWebhook(StripeCheckoutCommon):
    @contextmanager
    def _measure(self):
        """Collect the server time of each webhook request, and the queries of the whole block."""
        timings = []
        wsgi = http.Application.__call__

        def timed(app, environ, start_response):
            start = time.perf_counter()
            try:
                return wsgi(app, environ, start_response)
            finally:
                if environ.get("PATH_INFO") == StripeCheckoutController._webhook_url:
                    timings.append(time.perf_counter() - start)

        figures = {"timings": timings}
        self.env.cr.flush()
        queries_before = self.env.cr.sql_log_count
        api_calls_before = len(self.stripe.requests)
        with patch.object(http.Application, "__call__", timed):
            yield figures
        figures["queries"] = self.env.cr.sql_log_count - queries_before
        figures["api_calls"] = len(self.stripe.requests) - api_calls_before

    def test_bench_webhook(self):
        tx = self._create_invoice_tx()
        self.stripe.send_webhooks = False
        self._pay_without_returning(tx)
        [event] = self.stripe.find_events("checkout.session.completed")
        self.post_event(dict(event, type="payment_intent.created"))  # Warm the route up (unhandled type).

        with self._measure() as first:
            self.assertEqual(self.post_event(event).status_code, 200)
        self.assertEqual(tx.state, "done")

        with self._measure() as duplicates:
            for _i in range(DUPLICATES):
                self.assertEqual(self.post_event(event).status_code, 200)
        self.assertEqual(tx.state, "done")
        tx._post_process()
        self.assertEqual(len(self._payments(tx)), 1)

        timings = duplicates["timings"]
        print()
        print("Stripe webhook benchmark (checkout.session.completed, through HTTP, signature verified)")
        print(
            f"  1 delivery completing the payment : server {first['timings'][0] * 1000:7.1f} ms, "
            f"{first['queries']:4d} SQL queries, {first['api_calls']} Stripe API calls"
        )
        print(
            f"  {DUPLICATES} duplicate deliveries        : server {sum(timings) * 1000:7.1f} ms in all "
            f"(median {statistics.median(timings) * 1000:.1f} ms, max {max(timings) * 1000:.1f} ms), "
            f"{duplicates['queries']:4d} SQL queries ({duplicates['queries'] / DUPLICATES:.1f} per delivery), "
            f"{duplicates['api_calls']} Stripe API calls"
        )
        print(f"  result: transaction {tx.state}, {len(self._payments(tx))} payment")
