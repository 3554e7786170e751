import json

from fap_sandbox import Sandbox
from fap_sandbox.stripe import CARD_SUCCESS, DEMO_SECRET_KEY, DEMO_WEBHOOK_SECRET, stripe_signature
from lxml import html

from odoo import Command
from odoo.tests import tagged

from odoo.addons.payment.tests.http_common import PaymentHttpCommon
from odoo.addons.payment_stripe_checkout import const


@tagged("post_install", "-at_install")
class StripeCheckoutCommon(PaymentHttpCommon):
    """Odoo's payment test case, with the provider pointed at a sandbox of its own through the real SDK."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = Sandbox(odoo_url=cls.base_url(), delay=0).start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.stripe = cls.sandbox.stripe
        cls.env["ir.config_parameter"].set_param(const.API_BASE_PARAM, f"{cls.sandbox.url}/stripe")
        cls.stripe_checkout = cls._prepare_provider(
            "stripe_checkout",
            update_values={
                "stripe_checkout_secret_key": DEMO_SECRET_KEY,
                "stripe_checkout_webhook_secret": DEMO_WEBHOOK_SECRET,
                "is_published": True,
            },
        )
        cls.provider = cls.stripe_checkout
        cls.currency = cls.env.company.currency_id
        cls.payment_method = cls.env.ref("payment.payment_method_card")
        cls.payment_method_id = cls.payment_method.id
        cls.amount = 1234.56
        # The books are what the tests look at: let Odoo create the payments.
        cls.enable_post_process_patcher = False

    def setUp(self):
        super().setUp()
        # Nothing left over from a previous test, whose database changes were rolled back.
        self.sandbox.deliver_pending()
        self.stripe.reset()

    # === helpers === #

    def _create_invoice(self, amount=None):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner.id,
                "currency_id": self.currency.id,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Plumbing", "quantity": 1, "price_unit": amount or self.amount, "tax_ids": []}
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    def _create_invoice_tx(self, invoice=None, **values):
        invoice = invoice or self._create_invoice()
        return self._create_transaction(
            "redirect",
            reference=self.env["payment.transaction"]._compute_reference("stripe_checkout", prefix=invoice.name),
            amount=invoice.amount_residual,
            invoice_ids=[invoice.id],
            **values,
        )

    def _start_checkout(self, tx):
        """What the payment form does: create the session; return the hosted page's URL."""
        processing_values = tx._get_processing_values()
        self.assertEqual(processing_values["state"], "draft", processing_values.get("state_message"))
        form = html.fromstring(processing_values["redirect_form_html"])
        return form.get("action")

    def _submit_card(self, page_url, card=CARD_SUCCESS):
        """Submit a card on the hosted page, as the customer; return the sandbox's answer (not followed)."""
        return self.opener.post(f"{page_url}/pay", data={"cardnumber": card}, allow_redirects=False)

    def _pay(self, tx, card=CARD_SUCCESS):
        """Pay on the hosted page; follow the redirection back to Odoo like a browser; return the page."""
        response = self._submit_card(self._start_checkout(tx), card)
        if response.status_code == 303:
            response = self._open_odoo(response.headers["Location"])
        return response

    def _open_odoo(self, url):
        """Open an Odoo URL as the customer's browser, then read what the server wrote."""
        self.env.cr.flush()
        response = self.url_open(url)
        self.env.invalidate_all()
        return response

    def _return_url(self, tx):
        return self.stripe.sessions[tx.provider_reference]["success_url"]

    def _cancel_url(self, tx):
        return self.stripe.sessions[tx.provider_reference]["cancel_url"]

    def _payments(self, tx):
        return self.env["account.payment"].search(
            [("payment_transaction_id", "in", (tx | tx.child_transaction_ids).ids)]
        )

    def deliver_webhooks(self):
        """Post the webhook events the sandbox owes to Odoo, as the test's HTTP client."""
        self.env.cr.flush()
        with self.allow_requests(all_requests=True):
            delivered = self.sandbox.deliver_pending(cookies=self.opener.cookies)
        self.env.invalidate_all()
        return delivered

    def post_event(self, event, body=None, signature=None, timestamp=None):
        """Post one webhook event (or a raw body), signed with the demo secret unless told; return the response."""
        body = body if body is not None else json.dumps(event)
        if signature is None:
            signature = stripe_signature(DEMO_WEBHOOK_SECRET, body, timestamp)
        headers = {"Content-Type": "application/json"}
        if signature:
            headers["Stripe-Signature"] = signature
        self.env.cr.flush()
        response = self.url_open("/payment/stripe_checkout/webhook", data=body, headers=headers)
        self.env.invalidate_all()
        return response

    def _pay_without_returning(self, tx, card=CARD_SUCCESS):
        """The customer pays but closes the tab before coming back to Odoo; return the return URL."""
        response = self._submit_card(self._start_checkout(tx), card)
        self.assertEqual(response.status_code, 303)
        return response.headers["Location"]
