from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import email_normalize

from odoo.addons.phone_validation.tools import phone_validation


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Sending (issue 3): how « Enregistrer et envoyer » reaches this customer.
    fap_channel = fields.Selection(
        [("both", "Email and SMS"), ("email", "Email only"), ("sms", "SMS only")],
        string="Send quotes and invoices by",
        default="both",
        required=True,
        help="Email goes to the email address, SMS to the phone number (a mobile number, checked when sending).",
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
