import json
from urllib.parse import urlsplit

from fap_sandbox import Sandbox
from fap_sandbox.stripe import CARD_SUCCESS, DEMO_SECRET_KEY, DEMO_WEBHOOK_SECRET, stripe_signature
from lxml import html

from odoo import Command
from odoo.tests import tagged

from odoo.addons.payment.tests.http_common import PaymentHttpCommon
from odoo.addons.payment_stripe_checkout import const


class SandboxTestMixin:
    """What the tests of both add-ons do with the sandbox (``fap_sandbox``), mixed into an ``HttpCase``: start one
    per test class, open Odoo's pages as the customer's browser, post what the sandbox owes to Odoo (webhooks,
    status callbacks), enable Stripe Checkout on it."""

    @classmethod
    def start_sandbox(cls, **options):
        cls.sandbox = Sandbox(odoo_url=cls.base_url(), **options).start()
        cls.addClassCleanup(cls.sandbox.stop)
        return cls.sandbox

    def setUp(self):
        super().setUp()
        self.addCleanup(self._check_sandbox_contracts)

    def _check_sandbox_contracts(self):
        """Every test held the sandbox to Stripe's and Twilio's API descriptions (``fap_sandbox.contracts``): what
        Odoo sent it and what it answered. A test that sends a wrong request on purpose clears what it expects."""
        sandbox = getattr(self, "sandbox", None)
        for service in (sandbox and sandbox.stripe, sandbox and sandbox.twilio):
            if service:
                violations, service.contract_violations[:] = list(service.contract_violations), []
                self.assertEqual(violations, [], "the sandbox departed from the API description")

    @classmethod
    def enable_stripe_checkout(cls, company=None):
        """The company's Stripe Checkout provider, in test mode on this class's sandbox with its test keys."""
        company = company or cls.env.company
        cls.env["ir.config_parameter"].sudo().set_param(const.API_BASE_PARAM, f"{cls.sandbox.url}/stripe")
        # The company's own copy of the provider (made with the company), else the module's record moved there.
        provider = (
            cls.env["payment.provider"]
            .sudo()
            .search([("code", "=", "stripe_checkout"), ("company_id", "=", company.id)], limit=1)
            or cls.env.ref("payment_stripe_checkout.payment_provider_stripe_checkout").sudo()
        )
        provider.write(
            {
                "stripe_checkout_secret_key": DEMO_SECRET_KEY,
                "stripe_checkout_webhook_secret": DEMO_WEBHOOK_SECRET,
                "state": "test",
                "is_published": True,
                "company_id": company.id,
            }
        )
        return provider

    @staticmethod
    def path(url):
        """The path and query of a URL: ``url_open`` asks this test's own server."""
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def open_as_visitor(self, url, **kwargs):
        """Open an Odoo URL as the customer's browser (the test's session), then read what the server wrote."""
        self.env.flush_all()
        response = self.url_open(self.path(url), **kwargs)
        self.env.invalidate_all()
        return response

    def deliver_callbacks(self):
        """Post the callbacks the sandbox owes to Odoo (Stripe webhooks, Twilio status), in order.

        Flush first (the server reads the database) and read again after (the server wrote to it), carrying
        the test cookie that Odoo's ``HttpCase`` requires.
        """
        self.env.flush_all()
        with self.allow_requests(all_requests=True):
            delivered = self.sandbox.deliver_pending(cookies=self.opener.cookies)
        self.env.invalidate_all()
        return delivered


@tagged("post_install", "-at_install")
class StripeCheckoutCommon(SandboxTestMixin, PaymentHttpCommon):
    """Odoo's payment test case, with the provider pointed at a sandbox of its own through the real SDK."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stripe = cls.start_sandbox(delay=0).stripe
        cls.stripe_checkout = cls.enable_stripe_checkout()
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
            response = self.open_as_visitor(response.headers["Location"])
        return response

    def _return_url(self, tx):
        return self.stripe.sessions[tx.provider_reference]["success_url"]

    def _cancel_url(self, tx):
        return self.stripe.sessions[tx.provider_reference]["cancel_url"]

    def _payments(self, tx):
        return self.env["account.payment"].search(
            [("payment_transaction_id", "in", (tx | tx.child_transaction_ids).ids)]
        )

    def post_event(self, event, body=None, signature=None, timestamp=None):
        """Post one webhook event (or a raw body), signed with the demo secret unless told; return the response."""
        body = body if body is not None else json.dumps(event)
        if signature is None:
            signature = stripe_signature(DEMO_WEBHOOK_SECRET, body, timestamp)
        headers = {"Content-Type": "application/json"}
        if signature:
            headers["Stripe-Signature"] = signature
        return self.open_as_visitor("/payment/stripe_checkout/webhook", data=body, headers=headers)

    def _pay_without_returning(self, tx, card=CARD_SUCCESS):
        """The customer pays but closes the tab before coming back to Odoo; return the return URL."""
        response = self._submit_card(self._start_checkout(tx), card)
        self.assertEqual(response.status_code, 303)
        return response.headers["Location"]
