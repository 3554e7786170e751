import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import email_normalize


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    fap_auto_invoice = fields.Boolean(related="company_id.fap_auto_invoice", readonly=False)
    fap_default_channel = fields.Selection(related="company_id.fap_default_channel", readonly=False)
    fap_short_link_base_url = fields.Char(related="company_id.fap_short_link_base_url", readonly=False)
    fap_reminders = fields.Boolean(related="company_id.fap_reminders", readonly=False)
    fap_reminder_hour_from = fields.Float(related="company_id.fap_reminder_hour_from", readonly=False)
    fap_reminder_hour_to = fields.Float(related="company_id.fap_reminder_hour_to", readonly=False)
    fap_reminder_skip_sunday = fields.Boolean(related="company_id.fap_reminder_skip_sunday", readonly=False)
    fap_reminder_skip_holidays = fields.Boolean(related="company_id.fap_reminder_skip_holidays", readonly=False)
    fap_balance_on_lock = fields.Boolean(related="company_id.fap_balance_on_lock", readonly=False)
    fap_partial_payments = fields.Boolean(related="company_id.fap_partial_payments", readonly=False)
    fap_partial_min_amount = fields.Monetary(related="company_id.fap_partial_min_amount", readonly=False)
    fap_partial_min_percent = fields.Float(related="company_id.fap_partial_min_percent", readonly=False)
    fap_interac = fields.Boolean(related="company_id.fap_interac", readonly=False)
    fap_interac_email = fields.Char(related="company_id.fap_interac_email", readonly=False)
    fap_interac_other_emails = fields.Char(related="company_id.fap_interac_other_emails", readonly=False)
    fap_interac_journal_id = fields.Many2one(related="company_id.fap_interac_journal_id", readonly=False)
    fap_interac_notifying_domains = fields.Char(related="company_id.fap_interac_notifying_domains", readonly=False)
    fap_interac_forwarders = fields.Char(related="company_id.fap_interac_forwarders", readonly=False)
    fap_interac_alias_address = fields.Char(
        string="Forward the notifications to", related="company_id.fap_interac_alias_id.alias_full_name"
    )
    fap_payment_provider_count = fields.Integer(
        string="Payment providers offered", compute="_compute_fap_payment_provider_count"
    )

    # On the settings, not the company: Settings writes its fields to the company one by one.
    @api.constrains("fap_interac", "fap_interac_email", "fap_interac_other_emails")
    def _check_fap_interac_email(self):
        for settings in self.filtered("fap_interac"):
            if not email_normalize(settings.fap_interac_email or ""):
                raise ValidationError(
                    self.env._("Interac e-Transfer needs the email address registered for Autodeposit at your bank.")
                )
            others = [part for part in re.split(r"[\s,;]+", settings.fap_interac_other_emails or "") if part]
            wrong = [part for part in others if not email_normalize(part)]
            if wrong:
                raise ValidationError(self.env._("« %(address)s » is not an email address.", address=", ".join(wrong)))

    def _fap_payment_providers_domain(self):
        return [("company_id", "=", self.company_id.id)]

    @api.depends("company_id")
    def _compute_fap_payment_provider_count(self):
        for settings in self:
            # What the invoice page offers a customer: enabled (or in test mode) and published.
            settings.fap_payment_provider_count = self.env["payment.provider"].search_count(
                [
                    *settings._fap_payment_providers_domain(),
                    ("state", "in", ["enabled", "test"]),
                    ("is_published", "=", True),
                ]
            )

    def action_fap_open_payment_providers(self):
        """The company's payment providers: each one's form enables it and holds its keys."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("payment.action_payment_provider")
        return {**action, "domain": self._fap_payment_providers_domain()}

    def action_fap_open_reminder_steps(self):
        """The company's reminder cadence: each step on or off, its days, channels and templates."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("facture_a_payer.facture_a_payer_reminder_step_action")
        return {
            **action,
            "domain": [("company_id", "=", self.company_id.id)],
            "context": {"default_company_id": self.company_id.id},
        }
