import json
import re
from unittest.mock import patch

from fap_sandbox.stripe import CARD_SUCCESS
from lxml import html as lxml_html

from odoo.fields import Command
from odoo.tests.common import ChromeBrowser

from .common import FapSandboxCase

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


class FapPortalCase(FapSandboxCase):
    """A quote of a Québec merchant (GST + QST) for a French- and an English-speaking customer, seen by a
    public visitor who only has the link."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.setup_quebec_company()
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.env["ir.config_parameter"].set_param("sale.automatic_invoice", False)
        cls.salesperson = cls.env["res.users"].create(
            {
                "name": "Gabriel Vendeur",
                "login": "fap_portal_salesperson",
                "email": "gabriel@plomberie.example.com",
                "group_ids": [Command.link(cls.env.ref("sales_team.group_sale_salesman").id)],
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
            }
        )
        cls.tax_gst_qst = cls.company.account_sale_tax_id
        cls.product = cls.env["product.product"].create(
            {
                "name": "Water heater installation",
                "type": "service",
                "list_price": 400.0,
                "invoice_policy": "delivery",
                "taxes_id": [Command.set(cls.tax_gst_qst.ids)],
            }
        )
        cls.customer_fr = cls.env["res.partner"].create(
            {"name": "Élise Tremblay", "lang": "fr_CA", "email": "elise@example.com", "phone": "+1 514-555-0142"}
        )
        cls.customer_en = cls.env["res.partner"].create(
            {"name": "Sarah Mitchell", "lang": "en_US", "email": "sarah@example.com", "phone": "+1 514-555-0193"}
        )

    def setUp(self):
        super().setUp()
        # Every request of these tests is a public visitor's.
        self.authenticate(None, None)

    def _make_quote(self, customer=None, **values):
        """A quote of the app (made on its screens), marked sent; ``fap_flow=False`` for one made elsewhere."""
        values = {
            "fap_flow": True,
            "user_id": self.salesperson.id,
            "require_signature": False,
            "require_payment": False,
            **values,
        }
        order = self._quote(customer or self.customer_en, **values)
        order.action_quotation_sent()
        order._portal_ensure_token()
        return order

    def _rpc(self, url, params=None):
        """A JSON-RPC call as the browser makes it: the whole JSON answer (result or error)."""
        self.env.flush_all()
        response = self.opener.post(
            self.base_url() + self.path(url),
            json={"id": 0, "jsonrpc": "2.0", "method": "call", "params": params or {}},
            timeout=30,
        )
        self.env.invalidate_all()
        return response.json()

    def start_tour_paying_on_hosted_page(self, url, tour_name):
        """Run a customer's tour; on the sandbox's Checkout page, the browser pays with the test card."""
        script = PAY_ON_HOSTED_PAGE % json.dumps(f"{self.sandbox.url}/stripe/checkout/")
        navigate_to = ChromeBrowser.navigate_to

        def navigate_with_hosted_page_script(browser, url, wait_stop=False):
            browser._websocket_request("Page.addScriptToEvaluateOnNewDocument", params={"source": script})
            return navigate_to(browser, url, wait_stop=wait_stop)

        with patch.object(ChromeBrowser, "navigate_to", navigate_with_hosted_page_script):
            self.start_tour(self.path(url), tour_name, timeout=180)

    def _approve(self, order):
        return self._rpc(order.get_portal_url(suffix="/accept"))

    def _csrf_token(self, html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class FapPortalPaymentCase(FapPortalCase):
    """The portal with Stripe Checkout enabled on the sandbox: the customer pays as the browser does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.enable_stripe_checkout()

    def setUp(self):
        super().setUp()
        self.sandbox.deliver_pending()
        self.sandbox.stripe.reset()

    def _approved_invoice(self, **quote_values):
        quote = self._make_quote(**quote_values)
        self._approve(quote)
        return quote, quote.invoice_ids

    def _start_transaction(self, route, document, amount, payment_method=None):
        """What the portal's payment form posts to ``route``: create the transaction, return the answer."""
        return self._rpc(
            route,
            {
                "access_token": document.access_token,
                "provider_id": self.provider.id,
                "payment_method_id": (payment_method or self.env.ref("payment.payment_method_card")).id,
                "token_id": None,
                "amount": amount,
                "flow": "redirect",
                "tokenization_requested": False,
                "landing_route": document.get_portal_url(),
            },
        )

    def _start_payment(self, invoice, amount=None, payment_method=None):
        """What « Payer la facture » does: create the transaction; return its processing values."""
        amount = amount if amount is not None else invoice.amount_residual
        answer = self._start_transaction(f"/invoice/transaction/{invoice.id}", invoice, amount, payment_method)
        self.assertIn("result", answer, answer)
        return answer["result"]

    def _pay(self, invoice, card=CARD_SUCCESS, amount=None, form=None, payment_method=None, deliver_notices=True):
        """Pay on the sandbox's hosted page (the card, else what ``form`` submits: a wallet, a bank account) and
        come back like the browser; return the landing page. ``deliver_notices``: see ``_pay_on_hosted_page``."""
        return self._pay_on_hosted_page(
            self._start_payment(invoice, amount=amount, payment_method=payment_method),
            form or {"cardnumber": card},
            deliver_notices=deliver_notices,
        )

    def _pay_order(self, order, amount):
        """What « Approuver et payer l'acompte » does: the quote's payment form, Checkout, back to the page."""
        answer = self._start_transaction(f"/my/orders/{order.id}/transaction", order, amount)
        self.assertIn("result", answer, answer)
        return self._pay_on_hosted_page(answer["result"], {"cardnumber": CARD_SUCCESS})

    def _pay_on_hosted_page(self, processing_values, form, deliver_notices=True):
        """Pay on the hosted page and come back; then, unless ``deliver_notices`` is false, the crons that the
        commit of the customer's requests called send the receipt (``deliver_notices``)."""
        page_url = lxml_html.fromstring(processing_values["redirect_form_html"]).get("action")
        self.assertTrue(page_url.startswith(f"{self.sandbox.url}/stripe/checkout/"), page_url)
        answer = self.opener.post(f"{page_url}/pay", data=form, allow_redirects=False)
        if answer.status_code != 303:
            return answer
        self.env.flush_all()
        self.url_open(answer.headers["Location"])  # Odoo's return route, then /payment/status
        poll = self._rpc("/payment/status/poll")["result"]  # what the status page's script does
        if deliver_notices:
            self.deliver_notices()
        return self.open_as_visitor(poll["landing_route"])

    def _assert_paid_and_reconciled(self, invoice):
        self.assertEqual(invoice.payment_state, "paid")
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
        tx = invoice.transaction_ids.filtered(lambda t: t.state == "done")
        self.assertEqual(len(tx), 1)
        self.assertEqual(tx.payment_id.state, "paid")
        self.assertTrue(tx.payment_id.is_reconciled)
        self.assertIn(invoice, tx.payment_id.reconciled_invoice_ids)
