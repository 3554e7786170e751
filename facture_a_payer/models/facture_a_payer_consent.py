from odoo import api, fields, models


class FactureAPayerConsent(models.Model):
    """The customer's consent history: each opt-out and opt-in, for SMS or email, with when and how it came.

    The opt-out itself is Odoo's: the number in ``phone.blacklist`` (SMS), the address in ``mail.blacklist``
    (email); this keeps who asked, when and by which way, for the merchant to show if asked.
    """

    _name = "facture_a_payer.consent"
    _description = "Customer consent to messages"
    _order = "create_date desc, id desc"

    partner_id = fields.Many2one("res.partner", string="Customer", index=True, ondelete="cascade")
    channel = fields.Selection([("sms", "SMS"), ("email", "Email")], required=True)
    address = fields.Char(string="Number or email", required=True)
    action = fields.Selection([("opt_out", "Opted out"), ("opt_in", "Opted in again")], required=True)
    source = fields.Selection(
        [
            ("sms_reply", "SMS reply (STOP / START)"),
            ("sms_refused", "Refused by the SMS provider (unsubscribed recipient)"),
            ("unsubscribe_link", "Unsubscribe link of an email"),
            ("merchant", "Changed by the merchant"),
        ],
        required=True,
    )
    detail = fields.Char(help="The customer's words, or the provider's answer.")
    user_id = fields.Many2one("res.users", string="Recorded by", default=lambda self: self.env.user)

    @api.model
    def _fap_record(self, channel, address, action, source, detail=False, partners=None):
        """Apply and record an opt-out or opt-in of ``address`` (an E.164 number or an email)."""
        # Odoo's phone blacklist takes a list of numbers, its email blacklist one address.
        if channel == "sms":
            Blacklist, entries, partner_field = self.env["phone.blacklist"].sudo(), [address], "phone_sanitized"
        else:
            Blacklist, entries, partner_field = self.env["mail.blacklist"].sudo(), address, "email_normalized"
        if partners is None:
            partners = self.env["res.partner"].sudo().search([(partner_field, "=", address)])
        reason = dict(self._fields["source"]._description_selection(self.env))[source]
        if action == "opt_out":
            Blacklist._add(entries, message=reason)
        else:
            Blacklist._remove(entries, message=reason)
        values = {"channel": channel, "address": address, "action": action, "source": source, "detail": detail}
        records = self.sudo().create([{**values, "partner_id": partner.id} for partner in partners] or [values])
        channel_label = dict(self._fields["channel"]._description_selection(self.env))[channel]
        if action == "opt_out":
            body = self.env._(
                "Opted out of %(channel)s (%(address)s): %(how)s", channel=channel_label, address=address, how=reason
            )
        else:
            body = self.env._(
                "Opted in to %(channel)s again (%(address)s): %(how)s",
                channel=channel_label,
                address=address,
                how=reason,
            )
        for partner in partners:
            partner.message_post(body=body, subtype_xmlid="mail.mt_note")
        return records
