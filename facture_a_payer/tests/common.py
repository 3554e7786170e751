from contextlib import contextmanager
from unittest.mock import patch

from fap_sandbox import Sandbox
from fap_sandbox.stripe import DEMO_SECRET_KEY, DEMO_WEBHOOK_SECRET
from fap_sandbox.twilio import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, DEMO_NUMBERS

from odoo.fields import Command
from odoo.tests import HttpCase

from ..tools.twilio_api import TWILIO_API_URL_PARAM


class FapSandboxCase(HttpCase):
    """An HTTP test case wired to a sandbox of its own: Twilio for SMS, an SMTP sink for email.

    Odoo talks to the sandbox with its real code (``sms_twilio``, ``ir.mail_server``); callbacks the
    sandbox owes to Odoo are posted when the test calls ``deliver_callbacks()``.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = Sandbox(odoo_url=cls.base_url()).start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.env["ir.config_parameter"].set_param(TWILIO_API_URL_PARAM, f"{cls.sandbox.url}/twilio")
        cls.company = cls.env.company
        cls.wire_twilio(cls.company)
        cls.env["ir.mail_server"].search([]).active = False
        cls.mail_server = cls.env["ir.mail_server"].create(
            {
                "name": "Sandbox SMTP sink",
                "smtp_host": cls.sandbox.host,
                "smtp_port": cls.sandbox.smtp_port,
                "smtp_encryption": "none",
            }
        )

    @classmethod
    def enable_stripe_checkout(cls):
        """Enable the Stripe Checkout provider in test mode against this test's sandbox; return it.

        A classmethod: call it from ``setUpClass`` (or from a test, through ``self``).
        """
        cls.env["ir.config_parameter"].sudo().set_param("payment_stripe_checkout.api_base", f"{cls.sandbox.url}/stripe")
        # The company's own provider (a copy is made for each company), else the module's record moved there.
        provider = (
            cls.env["payment.provider"]
            .sudo()
            .search([("code", "=", "stripe_checkout"), ("company_id", "=", cls.env.company.id)], limit=1)
            or cls.env.ref("payment_stripe_checkout.payment_provider_stripe_checkout").sudo()
        )
        provider.write(
            {
                "stripe_checkout_secret_key": DEMO_SECRET_KEY,
                "stripe_checkout_webhook_secret": DEMO_WEBHOOK_SECRET,
                "state": "test",
                "is_published": True,
                "company_id": cls.env.company.id,
            }
        )
        return provider

    @classmethod
    def wire_twilio(cls, company):
        """Send the company's SMS through the sandbox's Twilio, as the demo's sender number."""
        company.sudo().write(
            {
                "sms_provider": "twilio",
                "sms_twilio_account_sid": DEMO_ACCOUNT_SID,
                "sms_twilio_auth_token": DEMO_AUTH_TOKEN,
                "sms_twilio_number_ids": [
                    Command.clear(),
                    Command.create({"number": DEMO_NUMBERS[0], "country_id": cls.env.ref("base.ca").id}),
                ],
            }
        )

    def deliver_callbacks(self):
        """Post the callbacks the sandbox owes to Odoo (Twilio status, Stripe webhooks), in order.

        Like ``url_open``, flush first (the server reads the database) and clear the cache after (the
        server wrote to it), carrying the test cookie Odoo's HttpCase requires.
        """
        self.env.cr.flush()
        self.env.cr.clear()
        with self.allow_requests():
            delivered = self.sandbox.deliver_pending(cookies=self.opener.cookies)
        self.env.invalidate_all()
        return delivered

    @contextmanager
    def smtp_live(self):
        """Really send email to the sandbox's SMTP sink (Odoo skips SMTP while testing)."""
        with patch.object(type(self.env["ir.mail_server"]), "_disable_send", classmethod(lambda cls: False)):
            yield
