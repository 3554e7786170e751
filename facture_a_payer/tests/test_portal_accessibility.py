import json
import os
from pathlib import Path
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser

from .portal_common import FapPortalPaymentCase

# axe-core's rules behind Lighthouse's accessibility audits: WCAG 2.x A and AA, and the best practices Lighthouse
# also scores (heading order, landmarks, touch targets...); like Lighthouse, on the page, not inside its frames
# (the invoice's preview is Odoo's report).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

AXE_RUN = r"""
axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"], iframes: false}).then((results) => {
    const violations = results.violations.map(
        (violation) =>
            `${violation.id} (${violation.help}):\n${violation.nodes
                .map((node) => `  ${node.target.join(" ")}: ${node.html.slice(0, 200)}`)
                .join("\n")}`
    );
    if (violations.length) {
        console.error(`Accessibility violations on ${location.pathname}:\n${violations.join("\n")}`);
    } else {
        console.log("test successful");
    }
});
"""


@tagged("post_install", "-at_install")
class TestPortalAccessibility(FapPortalPaymentCase):
    """The customer's pages as a phone shows them pass axe-core (installed from npm by ./dev setup): a new
    violation (a contrast, a heading out of order, a control without a name, a touch target too small) fails."""

    browser_size = "375x667"
    touch_enabled = True

    def _assert_accessible(self, url):
        axe = Path(os.environ.get("FAP_AXE_CORE", ""))
        self.assertTrue(axe.is_file(), "axe-core is missing: run the tests with ./dev test (./dev setup installs it)")
        navigate_to = ChromeBrowser.navigate_to

        def navigate_with_axe(browser, url, wait_stop=False):
            # axe-core comes with the page rather than in the test's code, which a failure prints whole.
            browser._websocket_request("Page.addScriptToEvaluateOnNewDocument", params={"source": axe.read_text()})
            return navigate_to(browser, url, wait_stop=wait_stop)

        with patch.object(ChromeBrowser, "navigate_to", navigate_with_axe):
            self.browser_js(
                self.path(url), AXE_RUN % json.dumps(AXE_TAGS), ready="document.readyState === 'complete'", timeout=120
            )

    def test_the_quote_and_the_invoice_pass_axe_in_french_and_in_english(self):
        self.company.write({"fap_interac": True, "fap_interac_email": "paiements@plomberie-test.example.com"})
        for customer in (self.customer_fr, self.customer_en):
            # Signature and deposit asked: the quote's page holds all its dialogs.
            quote = self._make_quote(
                customer=customer, require_signature=True, require_payment=True, prepayment_percent=0.3
            )
            with self.subTest(page="quote", lang=customer.lang):
                self._assert_accessible(quote.get_portal_url())
            _quote, invoice = self._approved_invoice(customer=customer)
            with self.subTest(page="invoice", lang=customer.lang):
                self._assert_accessible(invoice.get_portal_url())
