from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import tagged

from .test_merchant_screens import MerchantCase


@tagged("post_install", "-at_install")
class TestLayout375(MerchantCase):
    """The merchant's screens at 375 × 667 with touch, in French and in English: read whole (layout_tours.js)."""

    browser_size = "375x667"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_CA")
        cls.env["ir.module.module"]._load_module_terms(["facture_a_payer"], ["fr_CA"], overwrite=True)
        cls.env["facture_a_payer.consent"]._fap_record(
            cls.company, "sms", "+15145550142", "opt_out", "sms_reply", "STOP", partners=cls.customer
        )
        today = fields.Date.context_today(cls.env.user)
        sent = cls._quote(cls, "FAP-LAYOUT-SENT")
        sent.fap_sent_at = fields.Datetime.now() - timedelta(days=3)
        paid = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "invoice_date": today - timedelta(days=5),
                "invoice_line_ids": [Command.create({"product_id": cls.labour.id, "quantity": 7})],
            }
        )
        paid.action_post()
        paid.fap_sent_at = fields.Datetime.now() - timedelta(days=5)
        cls.env["account.payment.register"].with_context(active_model="account.move", active_ids=paid.ids).create(
            {"payment_date": today}
        )._create_payments()
        # A draft made today, due today: its card said « 7 déc., 16 h 57 · 7 déc. ».
        cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "invoice_date_due": today,
                "invoice_line_ids": [Command.create({"product_id": cls.labour.id})],
            }
        )
        cls.draft_quote = cls._quote(cls, "FAP-LAYOUT-DRAFT", state="draft")

    def _tour(self, url, tour):
        for lang in ("fr_CA", "en_US"):
            with self.subTest(lang=lang):
                self.env.ref("base.user_admin").lang = lang
                self.start_tour(url, tour, login="admin")

    def test_the_customer_form_shows_the_whole_phone_number_and_consents(self):
        # The phone number was 54 px wide beside Odoo's photo, « Appeler » and « SMS »: « +1 5 ».
        self._tour(f"/odoo/action-base.action_partner_form/{self.customer.id}", "fap_layout_customer_form")

    def test_the_reminder_cadence_is_read_whole(self):
        # The list's columns were cut: « Soumissio… », « Jours apr… ».
        self._tour("/odoo/action-facture_a_payer.facture_a_payer_reminder_step_action", "fap_layout_cadence")

    def test_home_shows_the_chart_amounts_and_whole_titles(self):
        self._tour("/odoo/fap-home", "fap_layout_home")

    def test_the_review_buttons_fit(self):
        self._tour(f"/odoo/fap-quote-review/{self.draft_quote.id}", "fap_layout_review")

    def test_the_customer_reads_the_embedded_invoice_at_the_phone_width(self):
        # The company's address was a half-width column: « 4567, rue Saint- / Denis ».
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_line_ids": [Command.create({"product_id": self.labour.id})],
            }
        )
        invoice.action_post()
        for lang in ("fr_CA", "en_US"):
            with self.subTest(lang=lang):
                self.customer.lang = lang
                self.start_tour(invoice.get_portal_url(), "fap_layout_invoice_page")
