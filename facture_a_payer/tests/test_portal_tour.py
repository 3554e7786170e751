import json
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser

from .portal_common import FapPortalCase

# What the customer does on the sandbox's hosted Checkout page (another origin, where a tour cannot run):
# type the test card in `input[name=cardnumber]` and press `button[name=pay]`, in the real browser.
PAY_ON_HOSTED_PAGE = """
if (location.href.startsWith(%s)) {
    document.addEventListener("DOMContentLoaded", () => {
        const card = document.querySelector("input[name=cardnumber]");
        if (card) {
            card.value = "4242 4242 4242 4242";
            document.querySelector("button[name=pay]").click();
        }
    });
}
"""


@tagged("post_install", "-at_install")
class TestPortalTour(FapPortalCase):
    browser_size = "375x667"
    touch_enabled = True

    def test_a_customer_on_a_phone_approves_and_pays_in_french(self):
        self.enable_stripe_checkout()
        quote = self._make_quote(customer=self.customer_fr)
        script = PAY_ON_HOSTED_PAGE % json.dumps(f"{self.sandbox.url}/stripe/checkout/")
        navigate_to = ChromeBrowser.navigate_to

        def navigate_with_hosted_page_script(browser, url, wait_stop=False):
            browser._websocket_request("Page.addScriptToEvaluateOnNewDocument", params={"source": script})
            return navigate_to(browser, url, wait_stop=wait_stop)

        with patch.object(ChromeBrowser, "navigate_to", navigate_with_hosted_page_script):
            self.start_tour(self.path(quote.get_portal_url()), "facture_a_payer_customer_path", timeout=180)

        self.assertEqual(quote.state, "sale")
        self.assertEqual(len(quote.invoice_ids), 1)
        invoice = quote.invoice_ids
        self.assertEqual(invoice.payment_state, "paid")
        payment = invoice.transaction_ids.filtered(lambda tx: tx.state == "done").payment_id
        self.assertTrue(payment.is_reconciled)
        self.assertEqual(self.sandbox.stripe.sessions[invoice.transaction_ids.provider_reference]["status"], "complete")
