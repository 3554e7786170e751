from fap_sandbox.stripe import DEMO_SECRET_KEY, DEMO_WEBHOOK_SECRET
from lxml import etree

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestSettings(TransactionCase):
    """Settings › « Facture à payer »: what the administrator saves lands on the company and is used."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.company = cls.admin.company_id
        cls.env = cls.env(user=cls.admin, context=dict(cls.env.context, allowed_company_ids=cls.company.ids))

    def _save(self, **values):
        """What « Save » of the settings page does."""
        self.env["res.config.settings"].create(values).execute()

    def test_the_settings_page_saves_on_the_company_and_shows_it_again(self):
        self._save(
            fap_auto_invoice=False,
            fap_default_channel="sms",
            fap_short_link_base_url="https://pay.example.com",
            portal_confirmation_sign=True,
        )
        self.assertFalse(self.company.fap_auto_invoice)
        self.assertEqual(self.company.fap_default_channel, "sms")
        self.assertEqual(self.company.fap_short_link_base_url, "https://pay.example.com")
        # Odoo's own setting of Sales, not a copy of it.
        self.assertTrue(self.company.portal_confirmation_sign)
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(
            (settings.fap_auto_invoice, settings.fap_default_channel, settings.fap_short_link_base_url),
            (False, "sms", "https://pay.example.com"),
        )
        self._save(fap_auto_invoice=True, portal_confirmation_sign=False)
        self.assertTrue(self.company.fap_auto_invoice)
        self.assertFalse(self.company.portal_confirmation_sign)
        self.assertEqual(self.company.fap_default_channel, "sms")

    def test_approving_asks_for_a_signature_when_the_setting_says_so(self):
        partner = self.env["res.partner"].create({"name": "Julie Roy", "email": "julie@example.com"})
        for sign in (True, False):
            self._save(portal_confirmation_sign=sign)
            quote = self.env["sale.order"].create({"partner_id": partner.id})
            self.assertEqual(quote.require_signature, sign)

    def test_a_new_customer_is_reached_by_the_default_channel_an_existing_one_keeps_theirs(self):
        existing = self.env["res.partner"].create({"name": "Marc-André Gagnon"})
        self.assertEqual(existing.fap_channel, "both")
        self._save(fap_default_channel="email")
        self.assertEqual(self.env["res.partner"].create({"name": "David Chen"}).fap_channel, "email")
        self.assertEqual(self.env["res.partner"].create({"name": "Patrick", "fap_channel": "sms"}).fap_channel, "sms")
        self.assertEqual(existing.fap_channel, "both")

    def test_the_sms_short_link_starts_with_the_short_link_address(self):
        partner = self.env["res.partner"].create({"name": "Élise Tremblay", "phone": "+1 514-555-0142"})
        quote = self.env["sale.order"].create({"partner_id": partner.id})
        default_link = quote._fap_get_short_url()
        self.assertTrue(default_link.startswith(f"{quote.get_base_url().rstrip('/')}/p/"), default_link)
        self._save(fap_short_link_base_url="https://pay.example.com/")
        link = quote._fap_get_short_url()
        code = link.rsplit("/", 1)[1]
        self.assertEqual(link, f"https://pay.example.com/p/{code}")
        self.assertEqual(self.env["facture_a_payer.short.link"]._fap_resolve(code), quote)
        sms_body = self.env.ref("facture_a_payer.sms_template_fap_quote")._render_field("body", quote.ids)[quote.id]
        self.assertIn(link, sms_body)
        # Emptied: the database's address again.
        self._save(fap_short_link_base_url=False)
        self.assertEqual(quote._fap_get_short_url(), default_link)

    def test_a_short_link_address_that_is_not_a_web_address_is_refused(self):
        for wrong in ("pay.example.com", "ftp://pay.example.com", "https://pay.example.com/?a=1"):
            with self.subTest(wrong=wrong), self.assertRaises(ValidationError):
                self._save(fap_short_link_base_url=wrong)

    def test_the_payment_providers_offered_are_counted_and_listed_for_the_company(self):
        provider = self.env["payment.provider"].search(
            [("code", "=", "stripe_checkout"), ("company_id", "=", self.company.id)], limit=1
        ) or self.env.ref("payment_stripe_checkout.payment_provider_stripe_checkout")
        provider.write({"state": "disabled", "company_id": self.company.id})
        before = self.env["res.config.settings"].create({}).fap_payment_provider_count
        provider.write(
            {
                "stripe_checkout_secret_key": DEMO_SECRET_KEY,
                "stripe_checkout_webhook_secret": DEMO_WEBHOOK_SECRET,
                "state": "test",
                "is_published": True,
            }
        )
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.fap_payment_provider_count, before + 1)
        action = settings.action_fap_open_payment_providers()
        self.assertEqual(action["res_model"], "payment.provider")
        listed = self.env["payment.provider"].search(action["domain"])
        self.assertIn(provider, listed)
        self.assertEqual(listed.company_id, self.company)

    def test_the_page_has_the_app_block_with_its_links_and_the_menu_opens_it(self):
        action = self.env.ref("facture_a_payer.res_config_settings_action_fap")
        self.assertEqual(self.env.ref("facture_a_payer.res_config_settings_menu_fap").action, action)
        self.assertEqual(action.context, "{'module': 'facture_a_payer', 'bin_size': False}")
        arch = etree.fromstring(
            self.env["res.config.settings"].get_views([(action.view_id.id, "form")])["views"]["form"]["arch"]
        )
        [app] = arch.xpath("//app[@name='facture_a_payer']")
        fields = set(app.xpath(".//field/@name"))
        for name in (
            "fap_auto_invoice",
            "portal_confirmation_sign",
            "fap_default_channel",
            "fap_short_link_base_url",
            "sms_provider",
            "pay_invoices_online",
            "fap_payment_provider_count",
        ):
            self.assertIn(name, fields)
        buttons = set(app.xpath(".//button/@name"))
        self.assertIn(str(self.env.ref("base.action_ir_mail_server_list").id), buttons)
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.action_open_sms_twilio_account_manage()["res_model"], "sms.twilio.account.manage")
        self.assertIn("action_fap_open_payment_providers", buttons)
        # The administrator reaches it from the app without debug mode.
        menu = self.env.ref("facture_a_payer.res_config_settings_menu_fap")
        self.assertIn(menu.id, self.env["ir.ui.menu"]._visible_menu_ids())
        self.assertNotIn(self.env.ref("base.group_no_one"), menu.group_ids | menu.parent_id.group_ids)

    def test_the_page_speaks_french_to_a_french_administrator(self):
        action = self.env.ref("facture_a_payer.res_config_settings_action_fap").with_context(lang="fr_CA")
        self.assertEqual(action.name, "Paramètres")
        arch = self.env["res.config.settings"].with_context(lang="fr_CA").get_views([(action.view_id.id, "form")])
        html = arch["views"]["form"]["arch"]
        for label in (
            "Approbation",
            "Canal des nouveaux clients",
            "Adresse des liens courts",
            "Fournisseurs de paiement",
        ):
            self.assertIn(label, html)
        field = self.env["ir.model.fields"].with_context(lang="fr_CA")._get("res.company", "fap_auto_invoice")
        self.assertEqual(field.field_description, "Facturer automatiquement les soumissions approuvées")

    def test_a_salesperson_sees_the_app_but_not_its_configuration(self):
        user = self.env["res.users"].create(
            {
                "name": "Vendeur",
                "login": "fap_settings_salesperson",
                "group_ids": [Command.link(self.env.ref("sales_team.group_sale_salesman").id)],
            }
        )
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        self.assertIn(self.env.ref("facture_a_payer.sale_order_menu_fap").id, visible)
        self.assertNotIn(self.env.ref("facture_a_payer.res_config_settings_menu_fap").id, visible)
