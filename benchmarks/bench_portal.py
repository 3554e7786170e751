"""Customer pages: SQL queries and server time of ours against Odoo's native ones, for the same documents.

Run with ``./dev bench bench_portal``. Our approval page and invoice page ARE Odoo's `/my/orders/<id>` and
`/my/invoices/<id>`, extended (controller overrides and inherited QWeb). The native baseline is therefore the
same URL, for the same document and the same public visitor, with our extensions bypassed: our controller
methods replaced by calls straight to Odoo's, and our inherited portal templates deactivated (in the test
transaction, rolled back at the end).

Queries: every SQL statement the server runs for one request (the test cursor counts them). Time: wall time of
the request seen by the client on the loopback, median and fastest (the least disturbed by other processes) of
ROUNDS warm requests per page and variant, run in BLOCKS alternating blocks (ours, native, ours...) so that the
load of the machine weighs on both alike.
"""

import statistics
import time

from native_portal import native_portal

from odoo.tests import tagged

from odoo.addons.facture_a_payer.tests.portal_common import FapPortalCase

ROUNDS = 30
BLOCKS = 5
APPROVAL = "approval page (/my/orders/<id>)"
INVOICE = "invoice page (/my/invoices/<id>)"


@tagged("post_install", "-at_install")
class BenchPortal(FapPortalCase):
    @staticmethod
    def _medians(queries, times):
        return statistics.median(queries), statistics.median(times) * 1000, min(times) * 1000

    def _measure(self, path, shown, hidden, rounds):
        response = self.url_open(path)  # warm-up, and the right page
        self.assertEqual(response.status_code, 200)
        self.assertTrue(shown in response.text and hidden not in response.text, f"wrong page for {path}")
        queries, times = [], []
        for _round in range(rounds):
            count = self.cr.sql_log_count
            start = time.perf_counter()
            self.url_open(path)
            times.append(time.perf_counter() - start)
            queries.append(self.cr.sql_log_count - count)
        return queries, times

    def test_bench_customer_pages(self):
        quote = self._make_quote()
        invoice = self._make_quote()._fap_confirm_and_invoice()
        self.enable_stripe_checkout()  # the invoice page shows the payment form of the enabled provider
        pages = {
            APPROVAL: (self.path(quote.get_portal_url()), 'id="fap_approval"', 'id="quote_content"'),
            INVOICE: (self.path(invoice.get_portal_url()), 'id="fap_invoice"', 'id="invoice_content"'),
        }
        results = {(page, variant): ([], []) for page in pages for variant in ("ours", "native")}
        # Blocks of ours and native alternate, so that the load of a shared machine weighs on both alike.
        for _block in range(BLOCKS):
            for page, (path, ours_marker, _native_marker) in pages.items():
                queries, times = self._measure(path, ours_marker, "o_fap_none", ROUNDS // BLOCKS)
                results[page, "ours"][0].extend(queries)
                results[page, "ours"][1].extend(times)
            with native_portal(self.env):
                for page, (path, ours_marker, native_marker) in pages.items():
                    queries, times = self._measure(path, native_marker, ours_marker, ROUNDS // BLOCKS)
                    results[page, "native"][0].extend(queries)
                    results[page, "native"][1].extend(times)
        ours = {page: self._medians(*results[page, "ours"]) for page in pages}
        native = {page: self._medians(*results[page, "native"]) for page in pages}

        print()
        print(__doc__.strip().replace("ROUNDS", str(ROUNDS)).replace("BLOCKS", str(BLOCKS)))
        print()
        print(
            f"{'page':34} {'queries ours/native':>20} {'ratio':>6}   {'median ms ours/native':>22} {'ratio':>6}"
            f"   {'fastest ms ours/native':>23} {'ratio':>6}"
        )
        for page in pages:
            (our_q, our_med, our_min), (nat_q, nat_med, nat_min) = ours[page], native[page]
            print(
                f"{page:34} {f'{our_q:.0f} / {nat_q:.0f}':>20} {our_q / nat_q:6.2f}"
                f"   {f'{our_med:.1f} / {nat_med:.1f}':>22} {our_med / nat_med:6.2f}"
                f"   {f'{our_min:.1f} / {nat_min:.1f}':>23} {our_min / nat_min:6.2f}"
            )
