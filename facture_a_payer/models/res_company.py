from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.twilio_api import SmsApiTwilioConfigurable

FAP_CHANNELS = [("both", "Email and SMS"), ("email", "Email only"), ("sms", "SMS only")]


class ResCompany(models.Model):
    _inherit = "res.company"

    fap_auto_invoice = fields.Boolean(
        string="Invoice approved quotes automatically",
        default=True,
        help="When the customer approves a quote on its link, or the merchant approves it or takes its payment in "
        "Facture à payer, the quote is confirmed and its invoice created and posted at once. Off: approving only "
        "confirms the quote, as Odoo's own confirmation always does.",
    )
    # Not required, as res.partner.fap_channel: a company created while the add-on is not loaded has none.
    fap_default_channel = fields.Selection(
        FAP_CHANNELS,
        string="Default channel of new customers",
        default="both",
        help="How « Save and send » reaches a new customer; it can be changed on each customer.",
    )
    fap_short_link_base_url = fields.Char(
        string="Short link address",
        help="Address the SMS short links start with (e.g. https://pay.example.com): it must lead to this "
        "database. Empty: the database's own address.",
    )

    # Reminders (« Relances »).
    fap_reminders = fields.Boolean(
        string="Remind customers automatically",
        default=True,
        help="Quotes not answered and invoices not paid are reminded by email and SMS, following the cadence.",
    )
    fap_reminder_step_ids = fields.One2many("facture_a_payer.reminder.step", "company_id", string="Reminder cadence")
    fap_reminder_hour_from = fields.Float(
        string="Remind from", default=9.0, help="On the customer's clock (their time zone, else the company's)."
    )
    fap_reminder_hour_to = fields.Float(string="Remind until", default=20.0)
    fap_reminder_skip_sunday = fields.Boolean(string="Not on Sundays", default=True)
    fap_reminder_skip_holidays = fields.Boolean(string="Not on Québec's statutory holidays", default=True)

    _fap_reminder_hours = models.Constraint(
        "CHECK (fap_reminder_hour_from >= 0 AND fap_reminder_hour_from < fap_reminder_hour_to "
        "AND fap_reminder_hour_to <= 24)",
        "Reminders are sent between two hours of the same day, the first one before the second.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self.env["facture_a_payer.reminder.step"].sudo()._fap_create_default_cadence(companies)
        return companies

    def write(self, vals):
        res = super().write(vals)
        if "fap_reminders" in vals:
            self._fap_reschedule_reminders()
        return res

    def _fap_reschedule_reminders(self):
        """Plan again the next reminder of the companies' open documents (the cadence or the setting changed)."""
        if self:
            self.env["facture_a_payer.reminder"]._fap_reschedule([("company_id", "in", self.ids)])

    @api.constrains("fap_short_link_base_url")
    def _check_fap_short_link_base_url(self):
        for company in self.filtered("fap_short_link_base_url"):
            url = urlsplit(company.fap_short_link_base_url)
            if url.scheme not in ("http", "https") or not url.netloc or url.query or url.fragment:
                raise ValidationError(
                    self.env._(
                        "The short link address « %(url)s » must be a web address such as https://pay.example.com.",
                        url=company.fap_short_link_base_url,
                    )
                )

    def _get_sms_api_class(self):
        if self.sms_provider == "twilio":
            return SmsApiTwilioConfigurable
        return super()._get_sms_api_class()
