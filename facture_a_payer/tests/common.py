from contextlib import contextmanager
from unittest.mock import patch

from fap_sandbox.twilio import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, DEMO_NUMBERS
from freezegun import freeze_time

from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.tests import HttpCase

from odoo.addons.payment_stripe_checkout.tests.common import SandboxTestMixin

from ..tools.twilio_api import TWILIO_API_URL_PARAM


class FapSandboxCase(SandboxTestMixin, HttpCase):
    """An HTTP test case wired to a sandbox of its own: Twilio for SMS, an SMTP sink for email.

    Odoo talks to the sandbox with its real code (``sms_twilio``, ``ir.mail_server``); callbacks the
    sandbox owes to Odoo are posted when the test calls ``deliver_callbacks()``.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The tests read the books as the merchant does (in the browser, as admin): « today » is the admin's day,
        # not OdooBot's (Europe/Brussels), which is already tomorrow in the evening in Québec.
        cls.env = cls.env(context=dict(cls.env.context, tz=cls.env.ref("base.user_admin").tz))
        cls.install_french()
        cls.start_sandbox()
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
    def install_french(cls):
        """Customers speak French (Canada): the language and its translations, as Settings > Languages adds them.

        Already there when the demo add-on is installed; loading them costs a few seconds otherwise.
        """
        french = cls.env["res.lang"].with_context(active_test=False).search([("code", "=", "fr_CA")])
        if not french.active:
            cls.env["base.language.install"].create({"lang_ids": [Command.set(french.ids)]}).lang_install()
        if "website" in cls.env:
            # Beside Odoo's website (FAP_BESIDE=website), pages speak the website's languages only: a Québec
            # merchant's website offers both.
            cls.env["website"].search([]).language_ids |= french | cls.env.ref("base.lang_en")

    @classmethod
    def setup_quebec_company(cls, name="Plomberie Test inc."):
        """A Québec merchant in CAD charging GST (5 %) and QST (9.975 %), wired to the sandbox's Twilio.

        Built on Odoo's generic chart with the two taxes as the Canadian chart names them: the add-on needs no
        localization (the demo add-on's merchant is on ``l10n_ca``).
        """
        canada, cad = cls.env.ref("base.ca"), cls.env.ref("base.CAD")
        cad.active = True
        company = cls.env["res.company"].create(
            {
                "name": name,
                "street": "4567, rue Saint-Denis",
                "city": "Montréal",
                "zip": "H2J 2L3",
                "state_id": cls.env.ref("base.state_ca_qc").id,
                "country_id": canada.id,
                "currency_id": cad.id,
                "phone": "+1 514-555-0100",
                "email": "bonjour@plomberie-test.example.com",
            }
        )
        cls.env.ref("base.user_admin").company_ids |= company
        cls.env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
        # The generic chart sets its own currency and fiscal country.
        company.write({"currency_id": cad.id, "account_fiscal_country_id": canada.id})

        def tax_group(name, french):
            group = cls.env["account.tax.group"].create(
                {"name": name, "company_id": company.id, "country_id": canada.id}
            )
            group.update_field_translations("name", {"fr_CA": french})
            return group

        def tax(name, french, **values):
            record = cls.env["account.tax"].create(
                {"name": name, "type_tax_use": "sale", "company_id": company.id, "country_id": canada.id, **values}
            )
            record.update_field_translations("name", {"fr_CA": french})
            return record

        gst = tax("5% GST", "5% TPS", amount=5.0, sequence=10, tax_group_id=tax_group("GST", "TPS").id)
        qst = tax("9.975% QST", "9.975% TVQ", amount=9.975, sequence=20, tax_group_id=tax_group("QST", "TVQ").id)
        company.account_sale_tax_id = tax(
            "14.975% GST+QST",
            "14.975% TPS+TVQ",
            amount_type="group",
            amount=100.0,
            children_tax_ids=[Command.set((gst | qst).ids)],
            tax_group_id=gst.tax_group_id.id,
        )
        cls.wire_twilio(company)
        return company

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

    @classmethod
    def _quote(cls, partner, quantity=2, **values):
        """A draft quote of ``quantity`` × the class's ``product`` for ``partner``."""
        return cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": cls.product.id, "product_uom_qty": quantity})],
                **values,
            }
        )

    def run_reminder_cron(self, moment):
        """The reminders' cron at ``moment`` (UTC, ``YYYY-MM-DD HH:MM``) as the scheduler runs it, its batch commits
        counted, not done; emails really sent to the sandbox."""
        IrCron = self.registry["ir.cron"]
        with (
            freeze_time(moment),
            self.smtp_live(),
            patch.object(IrCron, "_commit_progress", autospec=True, return_value=float("inf")),
        ):
            self.env["facture_a_payer.reminder"]._fap_cron()
        self.env.invalidate_all()

    def send(self, document):
        """« Enregistrer et envoyer », then what the sending cron it triggered does after the response (in the
        document's context: ``force_report_rendering``, the language); return the button's action."""
        action = document.action_fap_save_and_send()
        self.run_send_queue(document.env.context)
        return action

    def run_send_queue(self, context=None):
        """The sending crons as the scheduler runs them, their batch commits counted, not done."""
        self.env.flush_all()
        IrCron = self.registry["ir.cron"]
        with patch.object(IrCron, "_commit_progress", autospec=True, return_value=float("inf")):
            self.env["facture_a_payer.send.job"].with_context(**(context or {}))._fap_process()
        self.env.invalidate_all()

    def deliver_notices(self):
        """What the crons do once a payment's transaction is committed: the app's cron writes the receipts and
        notices and sends their SMS (to the sandbox's Twilio), Odoo's mail queue their emails (to the sandbox's SMTP
        sink); on a cursor of their own, as the scheduler runs them."""
        self.env.flush_all()
        try:
            with self.smtp_live(), self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                for xmlid in ("facture_a_payer.ir_cron_fap_notices", "mail.ir_cron_mail_scheduler_action"):
                    cron = env.ref(xmlid)
                    cron.ir_actions_server_id.with_user(cron.user_id).with_context(cron_id=cron.id).run()
        finally:
            self.env.invalidate_all()

    @contextmanager
    def smtp_live(self):
        """Really send email to the sandbox's SMTP sink (Odoo skips SMTP while testing)."""
        with patch.object(type(self.env["ir.mail_server"]), "_disable_send", classmethod(lambda cls: False)):
            yield
