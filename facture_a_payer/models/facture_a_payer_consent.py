from odoo import api, fields, models
from odoo.tools import SQL


class FactureAPayerConsent(models.Model):
    """The customer's consent history, per company: each opt-out and opt-in, for SMS or email, with when and how
    it came.

    An opt-out belongs to the company that was answered: Twilio keeps opt-outs per sending number, so a STOP to
    a company's number stops that company's SMS only, and the unsubscribe link of a company's reminder email stops
    that company's reminder emails only. The latest record of a company, channel and address is the state the app
    applies (``_fap_opted_out``); Odoo's database-wide blacklists (``phone.blacklist``, ``mail.blacklist``) are
    left to Odoo's own features and to the administrator, and the app honours them too.
    """

    _name = "facture_a_payer.consent"
    _description = "Customer consent to messages"
    _order = "create_date desc, id desc"

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, ondelete="cascade"
    )
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

    _company_address = models.Index("(company_id, channel, address, id)")

    def _init_column(self, column_name):
        """Records made before consent was kept per company: the customer's company, else the company that
        reminded them last, else the default (the main company)."""
        if column_name == "company_id":
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE facture_a_payer_consent consent
                       SET company_id = COALESCE(
                               partner.company_id,
                               (SELECT reminder.company_id FROM facture_a_payer_reminder reminder
                                 WHERE reminder.partner_id = consent.partner_id ORDER BY reminder.id DESC LIMIT 1))
                      FROM res_partner partner
                     WHERE partner.id = consent.partner_id AND consent.company_id IS NULL
                    """
                )
            )
        return super()._init_column(column_name)

    @api.model
    def _fap_opted_out(self, company, channel, address):
        """Whether ``address`` (an E.164 number or an email) opted out of ``company``'s ``channel``."""
        latest = self.sudo().search(
            [("company_id", "=", company.id), ("channel", "=", channel), ("address", "=", address)],
            order="id desc",
            limit=1,
        )
        return latest.action == "opt_out"

    @api.model
    def _fap_record(self, company, channel, address, action, source, detail=False, partners=None):
        """Record an opt-out or opt-in of ``address`` (an E.164 number or an email) for ``company``.

        ``partners``: the customers it concerns, by default those of ``company`` (or shared) with that address.
        """
        partner_field = "phone_sanitized" if channel == "sms" else "email_normalized"
        if partners is None:
            partners = (
                self.env["res.partner"]
                .sudo()
                .search([(partner_field, "=", address), ("company_id", "in", [False, company.id])])
            )
        values = {
            "company_id": company.id,
            "channel": channel,
            "address": address,
            "action": action,
            "source": source,
            "detail": detail,
        }
        records = self.sudo().create([{**values, "partner_id": partner.id} for partner in partners] or [values])
        # The note is the merchant's: in the company's language, whoever's request (Twilio's webhook) records it.
        env = self.with_context(lang=company.partner_id.lang or self.env.lang).env
        reason = dict(self._fields["source"]._description_selection(env))[source]
        channel_label = dict(self._fields["channel"]._description_selection(env))[channel]
        if action == "opt_out":
            body = env._(
                "Opted out of %(channel)s from %(company)s (%(address)s): %(how)s",
                channel=channel_label,
                company=company.name,
                address=address,
                how=reason,
            )
        else:
            body = env._(
                "Opted in to %(channel)s from %(company)s again (%(address)s): %(how)s",
                channel=channel_label,
                company=company.name,
                address=address,
                how=reason,
            )
        for partner in partners:
            partner.message_post(body=body, subtype_xmlid="mail.mt_note")
        return records
