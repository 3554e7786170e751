"""The customer's pages on a phone: Lighthouse 12 (mobile, simulated slow 4G, 4x CPU slowdown), ours beside Odoo's
native page for the same document, in one run.

Run with ``./dev bench bench_customer_pages`` (Node 20 and Chromium; Lighthouse LIGHTHOUSE is installed with npm
into LIGHTHOUSE_DIR the first time). Each page is measured RUNS times, the median is printed:

- bytes: what the browser transfers until the page is loaded, before the first tap (Lighthouse's
  total-byte-weight, the sum of the responses' transfer sizes);
- perf: Lighthouse's performance score; LCP: the largest contentful paint (simulated); a11y: the accessibility
  score.

Two ways of serving, each measured:
- « proxy »: as a customer gets the page in production, behind the reverse proxy README's production checklist
  prescribes: a small proxy in this script compresses what nginx's ``gzip_types`` there lists (gzip, level 6,
  from 1 KiB), and passes the rest (images, fonts) as they are;
- « odoo »: as Odoo serves it alone (the demo, ``./dev run``): Odoo does not compress its responses.

The native baseline is the same URL, for the same document and the same public visitor, with our controller
overrides and inherited portal templates bypassed (``native_portal``). The payment status page has no native
twin: Odoo's is the same page, our override only names the merchant.
"""

import gzip
import http.client
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest.mock import patch
from urllib.parse import urlsplit

from native_portal import native_portal

from odoo.tests import tagged
from odoo.tools import config

from odoo.addons.facture_a_payer.tests.portal_common import FapPortalPaymentCase

LIGHTHOUSE = "12.2.3"
LIGHTHOUSE_DIR = Path(
    os.environ.get("FAP_LIGHTHOUSE_DIR", Path.home() / ".cache" / "facture-a-payer" / f"lighthouse-{LIGHTHOUSE}")
)
CHROME_PATH = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
RUNS = int(os.environ.get("FAP_LIGHTHOUSE_RUNS", "3"))
SERVED = os.environ.get("FAP_LIGHTHOUSE_SERVED", "proxy,odoo").split(",")
# nginx's gzip_types of README's production checklist (text/html is always compressed by nginx).
COMPRESSED_TYPES = (
    "text/html",
    "text/css",
    "text/plain",
    "application/javascript",
    "application/json",
    "image/svg+xml",
)
GZIP_LEVEL = 6
GZIP_MIN_LENGTH = 1024
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


def lighthouse_cli():
    cli = LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
    if not cli.exists():
        LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--save-exact", f"lighthouse@{LIGHTHOUSE}"],
            cwd=LIGHTHOUSE_DIR,
            check=True,
        )
    return cli


def _unlimited_address_space():
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


class CompressingProxy(ThreadingHTTPServer):
    """What the production proxy does to the bytes: gzip on the listed types when the browser accepts it."""

    daemon_threads = True

    def __init__(self, upstream):
        self.upstream = urlsplit(upstream)
        super().__init__(("127.0.0.1", 0), ProxyHandler)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | {"accept-encoding"}}
        upstream = http.client.HTTPConnection(self.server.upstream.hostname, self.server.upstream.port, timeout=120)
        upstream.request(self.command, self.path, body=body, headers=headers)
        response = upstream.getresponse()
        content = response.read()
        upstream.close()
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        compress = (
            "gzip" in (self.headers.get("Accept-Encoding") or "")
            and content_type in COMPRESSED_TYPES
            and len(content) >= GZIP_MIN_LENGTH
        )
        if compress:
            content = gzip.compress(content, compresslevel=GZIP_LEVEL)
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in HOP_BY_HOP:
                self.send_header(key, value)
        if compress:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_POST = do_HEAD = _forward


@tagged("post_install", "-at_install")
class BenchCustomerPages(FapPortalPaymentCase):
    def _lighthouse(self, url, cookie=None):
        """One Lighthouse run: (bytes, performance, LCP in s, accessibility)."""
        with tempfile.TemporaryDirectory() as tmp:
            report = Path(tmp) / "report.json"
            command = [
                "node",
                str(lighthouse_cli()),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={report}",
                "--only-categories=performance,accessibility",
                "--chrome-flags=--headless=new --no-sandbox",
            ]
            if cookie:
                command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
            # On a loaded machine Chrome may miss one of Lighthouse's deadlines: a second try, then the run is left out.
            for _attempt in (1, 2):
                done = subprocess.run(
                    command,
                    check=False,
                    env={**os.environ, "CHROME_PATH": CHROME_PATH},
                    timeout=300,
                    # Odoo's server limits the address space of its process (limit_memory_hard): Chrome needs more,
                    # as Odoo's own ChromeBrowser knows.
                    preexec_fn=_unlimited_address_space,
                )
                if not done.returncode:
                    break
            else:
                return None
            result = json.loads(report.read_text())
            if keep := os.environ.get("FAP_LIGHTHOUSE_KEEP"):
                # The last report of each page, to read what it loads and which audits failed.
                shutil.copy(report, Path(keep) / f"{urlsplit(url).port}{urlsplit(url).path.replace('/', '_')}.json")
        audits, categories = result["audits"], result["categories"]
        return (
            audits["total-byte-weight"]["numericValue"],
            categories["performance"]["score"],
            audits["largest-contentful-paint"]["numericValue"] / 1000,
            categories["accessibility"]["score"],
            [a["id"] for a in audits.values() if a.get("score") == 0 and a["id"] in self._a11y_ids(result)],
        )

    @staticmethod
    def _a11y_ids(result):
        return {ref["id"] for ref in result["categories"]["accessibility"]["auditRefs"]}

    def _measure(self, url, cookie=None):
        with self.allow_requests(all_requests=True):
            runs = [run for _run in range(RUNS) if (run := self._lighthouse(url, cookie))]
        if not runs:
            return None
        medians = tuple(statistics.median(run[i] for run in runs) for i in range(4))
        failed = sorted({audit for run in runs for audit in run[4]})
        print(url, medians, failed, flush=True)
        return medians, failed

    def _warm_up(self, path):
        """The page and its asset bundles once, so that no run measures Odoo building them."""
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        for asset in set(re.findall(r"/web/assets/[^\"' ]+", response.text)):
            self.url_open(asset, timeout=300)

    def test_bench_customer_pages(self):
        self.company.write({"fap_interac": True, "fap_interac_email": "paiements@plomberie-test.example.com"})
        pages = {}
        for lang, customer in (("fr_CA", self.customer_fr), ("en_CA", self.customer_en)):
            # As the demo's: Odoo's default asks the customer to sign.
            quote = self._make_quote(customer=customer, require_signature=True)
            pages[f"quote to approve ({lang})"] = (quote.get_portal_url(), None)
            _quote, invoice = self._approved_invoice(customer=customer)
            pages[f"invoice to pay, Interac ({lang})"] = (invoice.get_portal_url(), None)
        # The status page shows the transaction its session monitors: the one the visitor's payment form started.
        _quote, invoice = self._approved_invoice(customer=self.customer_fr)
        self._start_payment(invoice)
        status = ("/payment/status", f"session_id={self.session.sid}")
        proxy = CompressingProxy(self.base_url())
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        self.addCleanup(proxy.server_close)
        self.addCleanup(proxy.shutdown)
        results = {}
        # Odoo adds its test assets to the pages of a test server: the customer never gets them.
        with patch.dict(config._runtime_options, {"test_enable": False}):
            for served, base in (("proxy", proxy.url), ("odoo", self.base_url())):
                if served not in SERVED:
                    continue
                for page, (path, cookie) in pages.items():
                    url = base + self.path(path)
                    self._warm_up(path)
                    results[page, served, "ours"] = self._measure(url, cookie)
                    with native_portal(self.env):
                        results[page, served, "native"] = self._measure(url, cookie)
                results["payment status (fr_CA)", served, "ours"] = self._measure(base + status[0], status[1])

        print()
        print(
            __doc__.strip()
            .replace("LIGHTHOUSE_DIR", str(LIGHTHOUSE_DIR))
            .replace("LIGHTHOUSE", LIGHTHOUSE)
            .replace("RUNS", str(RUNS))
        )
        print()
        print(f"{'page':34} {'served':6} {'KiB ours/native':>16} {'ratio':>6} {'perf':>11} {'LCP s':>11} {'a11y':>11}")
        for page, served, variant in results:
            if variant != "ours":
                continue
            if not results[page, served, "ours"]:
                print(f"{page:34} {served:6} no Lighthouse run succeeded")
                continue
            (kib, perf, lcp, a11y), failed = results[page, served, "ours"]
            native = results.get((page, served, "native"))
            if native:
                (n_kib, n_perf, n_lcp, n_a11y), _n_failed = native
                print(
                    f"{page:34} {served:6} {f'{kib / 1024:.0f} / {n_kib / 1024:.0f}':>16} {kib / n_kib:6.2f}"
                    f" {f'{perf:.2f} / {n_perf:.2f}':>11} {f'{lcp:.1f} / {n_lcp:.1f}':>11}"
                    f" {f'{a11y:.2f} / {n_a11y:.2f}':>11}"
                )
            else:
                print(
                    f"{page:34} {served:6} {f'{kib / 1024:.0f} / -':>16} {'':6} {perf:11.2f} {lcp:11.1f} {a11y:11.2f}"
                )
            if failed:
                print(f"{'':34} accessibility audits failed: {', '.join(failed)}")
