import threading
import time
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser

from .common import StripeCheckoutCommon


@tagged("post_install", "-at_install")
class TestStripeCheckoutTour(StripeCheckoutCommon):
    def _type_card_on_hosted_page(self, browsers, card, outcome):
        """The customer's part on the hosted page (another origin, where tours do not run)."""
        script = f"""(() => {{
            const input = document.querySelector("input[name=cardnumber]");
            if (!location.href.startsWith({self.sandbox.url!r}) || !input) {{
                return false;
            }}
            input.value = {card!r};
            document.querySelector("button[name=pay]").click();
            return true;
        }})()"""
        deadline = time.time() + 60
        while time.time() < deadline:
            if browsers:
                answer = browsers[0]._websocket_request(
                    "Runtime.evaluate", params={"expression": script, "returnByValue": True}
                )
                if answer and answer.get("result", {}).get("value"):
                    outcome["typed"] = True
                    return
            time.sleep(0.3)

    def test_tour_pays_an_invoice_on_the_hosted_page(self):
        self.dummy_provider.write({"state": "disabled", "is_published": False})
        invoice = self._create_invoice()
        browsers, outcome = [], {}
        chrome_init = ChromeBrowser.__init__

        def spy_init(browser, *args, **kwargs):
            chrome_init(browser, *args, **kwargs)
            browsers.append(browser)

        customer = threading.Thread(
            target=self._type_card_on_hosted_page, args=(browsers, "4242 4242 4242 4242", outcome)
        )
        with patch.object(ChromeBrowser, "__init__", spy_init):
            customer.start()
            self.start_tour(invoice.get_portal_url(), "payment_stripe_checkout_pay_invoice")
        customer.join()
        self.assertTrue(outcome.get("typed"), "the customer typed the card on the hosted page")
        self.env.invalidate_all()
        tx = invoice.transaction_ids
        self.assertEqual(tx.provider_id, self.provider)
        self.assertEqual(tx.state, "done")
        self.assertIn(invoice.payment_state, ("in_payment", "paid"))
