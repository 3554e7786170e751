from urllib.parse import urlencode

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import email_normalize
from odoo.tools.misc import hmac

from odoo.addons.phone_validation.tools import phone_validation

from .res_company import FAP_CHANNELS


class ResPartner(models.Model):
    _inherit = "res.partner"

    # How « Enregistrer et envoyer » reaches this customer. Not required: a partner created while the add-on is
    # not loaded yet (Odoo's own tests or data of a module under ours, during an upgrade) has no value, and a
    # NOT NULL column would make that creation fail; sending reads an empty channel as both. The default reads
    # the company's column: res.company is set up first (its class is defined first, see the import above).
    fap_channel = fields.Selection(
        FAP_CHANNELS,
        string="Send quotes and invoices by",
        default=lambda self: self.env.company.fap_default_channel or "both",
        help="Email goes to the email address, SMS to the phone number (a mobile number, checked when sending).",
    )

    fap_reminder_paused = fields.Boolean(
        string="Do not remind",
        tracking=True,
        help="No automatic reminder of this customer's quotes and invoices.",
    )
    fap_consent_ids = fields.One2many("facture_a_payer.consent", "partner_id", string="Consent history")
    # The current company's: a customer's STOP to another company's number, or the unsubscribe link of another
    # company's reminder, does not show (nor apply) here.
    fap_sms_opted_out = fields.Boolean(
        string="Opted out of the company's SMS", compute="_compute_fap_opted_out", compute_sudo=True
    )
    fap_email_opted_out = fields.Boolean(
        string="Unsubscribed from the company's reminder emails", compute="_compute_fap_opted_out", compute_sudo=True
    )

    @api.depends("phone_sanitized", "email_normalized", "fap_consent_ids.action")
    @api.depends_context("company")
    def _compute_fap_opted_out(self):
        Consent, company = self.env["facture_a_payer.consent"], self.env.company
        for partner in self:
            partner.fap_sms_opted_out = bool(partner.phone_sanitized) and Consent._fap_opted_out(
                company, "sms", partner.phone_sanitized
            )
            partner.fap_email_opted_out = bool(partner.email_normalized) and Consent._fap_opted_out(
                company, "email", partner.email_normalized
            )

    def write(self, vals):
        res = super().write(vals)
        if "fap_reminder_paused" in vals:
            self.env["facture_a_payer.reminder"]._fap_reschedule([("partner_id", "in", self.ids)])
        return res

    def _fap_sms_opted_out(self, number, company):
        """Whether ``number`` (E.164) may get no SMS of ``company``: it answered STOP to the company's number (or
        the company's sending was refused as unsubscribed), or it is in Odoo's phone blacklist."""
        return self.env["facture_a_payer.consent"]._fap_opted_out(company, "sms", number) or bool(
            self.env["phone.blacklist"].sudo().search_count([("number", "=", number)], limit=1)
        )

    def _fap_email_opted_out(self, company):
        """Whether the customer may get no reminder email of ``company``: the unsubscribe link of one of its
        reminders, or the address in Odoo's email blacklist."""
        self.ensure_one()
        return self.is_blacklisted or (
            bool(self.email_normalized)
            and self.env["facture_a_payer.consent"]._fap_opted_out(company, "email", self.email_normalized)
        )

    def _fap_unsubscribe_token(self):
        self.ensure_one()
        return hmac(self.env(su=True), "facture_a_payer.unsubscribe", (self.id, self.email_normalized or ""))

    def _fap_unsubscribe_company_token(self, company):
        """The ``company`` query parameter of the unsubscribe link: the company's id, signed for this customer."""
        self.ensure_one()
        signature = hmac(
            self.env(su=True), "facture_a_payer.unsubscribe.company", (self.id, self.email_normalized or "", company.id)
        )
        return f"{company.id}-{signature}"

    def _fap_get_unsubscribe_url(self, company=None):
        """The link of ``company``'s reminder emails that stops them (that company's only)."""
        self.ensure_one()
        base_url = self.get_base_url().rstrip("/")
        url = f"{base_url}/facture_a_payer/unsubscribe/{self.id}/{self._fap_unsubscribe_token()}"
        return f"{url}?{urlencode({'company': self._fap_unsubscribe_company_token(company)})}" if company else url

    def action_fap_sms_opt_in(self):
        """The merchant records that the customer agrees to the current company's SMS again (e.g. asked in
        person). Odoo's phone blacklist is left as it is (Odoo's own features use it)."""
        for partner in self.filtered("phone_sanitized"):
            self.env["facture_a_payer.consent"]._fap_record(
                self.env.company, "sms", partner.phone_sanitized, "opt_in", "merchant", partners=partner
            )

    def action_fap_email_opt_in(self):
        for partner in self.filtered("email_normalized"):
            self.env["facture_a_payer.consent"]._fap_record(
                self.env.company, "email", partner.email_normalized, "opt_in", "merchant", partners=partner
            )

    def _fap_get_sms_number(self):
        """The phone number in E.164 (``+15145550142``), read with the customer's country (else the company's).

        Raises a ``UserError`` naming the customer and the number when it is missing or not a valid number.
        """
        self.ensure_one()
        if not self.phone:
            raise UserError(self.env._("%(customer)s has no phone number.", customer=self.display_name))
        country = self.country_id or self.company_id.country_id or self.env.company.country_id
        try:
            return phone_validation.phone_format(
                self.phone, country.code, country.phone_code, force_format="E164", raise_exception=True
            )
        except UserError as error:
            raise UserError(
                self.env._(
                    "The phone number « %(number)s » of %(customer)s is not valid for SMS: %(reason)s",
                    number=self.phone,
                    customer=self.display_name,
                    reason=error.args[0],
                )
            ) from error

    @api.constrains("email", "phone")
    def _check_fap_quick_create(self):
        """A customer created from the quote (its field sets ``fap_quick_create``) must be reachable."""
        if not self.env.context.get("fap_quick_create"):
            return
        for partner in self:
            if not partner.email and not partner.phone:
                raise ValidationError(
                    self.env._("Give %(customer)s an email or a mobile phone number.", customer=partner.display_name)
                )
            if partner.email and not email_normalize(partner.email):
                raise ValidationError(self.env._("The email « %(email)s » is not valid.", email=partner.email))
            if partner.phone:
                partner._fap_get_sms_number()
