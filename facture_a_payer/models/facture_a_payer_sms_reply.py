import logging
import unicodedata
from datetime import UTC
from email.utils import parsedate_to_datetime

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

# Twilio's own opt-out and opt-in keywords (Advanced Opt-Out), with their French forms (accents removed first).
OPT_OUT_KEYWORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "ARRETER", "DESABONNER"}
OPT_IN_KEYWORDS = {"START", "UNSTOP", "YES", "DEBUT", "OUI"}


def sms_keyword(body):
    text = unicodedata.normalize("NFKD", body or "").encode("ascii", "ignore").decode()
    return text.strip().strip(".!").upper()


class FactureAPayerSmsReply(models.Model):
    """A customer's SMS to a company's Twilio number, once per Twilio message (``MessageSid``).

    Twilio signs its webhooks without a date: a signed request can be posted again. Each message is applied once;
    one already seen (a replay, or Twilio retrying) changes nothing. STOP and START are applied in Twilio's order:
    the date Twilio received them (read from Twilio's API); one that comes after a later one of the same number
    was applied is kept, not applied.
    """

    _name = "facture_a_payer.sms.reply"
    _description = "SMS reply of a customer"
    _order = "id desc"

    message_sid = fields.Char(string="Twilio message", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    from_number = fields.Char(string="From", required=True, readonly=True, index=True)
    to_number = fields.Char(string="To", readonly=True)
    body = fields.Text(readonly=True)
    action = fields.Selection(
        [("opt_out", "Opted out"), ("opt_in", "Opted in again"), ("message", "Message")], readonly=True
    )
    twilio_date = fields.Datetime(string="Received by Twilio", readonly=True)
    applied = fields.Boolean(
        default=True,
        readonly=True,
        help="Off: a later STOP or START of the number came first, this one changed nothing.",
    )

    _message_sid_once = models.UniqueIndex("(message_sid)", "Twilio's message is received once.")

    @api.model
    def _fap_receive(self, company, params):
        """Apply the customer's message ``params`` (Twilio's webhook, signature checked) to ``company``, unless
        it was received already. Returns the new record, or an empty one for a message already seen."""
        message_sid = params["MessageSid"]
        if self.sudo().search_count([("message_sid", "=", message_sid)], limit=1):
            return self.browse()
        number, body = params.get("From") or "", params.get("Body") or ""
        keyword = sms_keyword(body)
        action = "opt_out" if keyword in OPT_OUT_KEYWORDS else "opt_in" if keyword in OPT_IN_KEYWORDS else "message"
        # Two deliveries of one message at once: the unique index refuses the second, whose request is retried
        # by Odoo and then finds the first.
        reply = self.sudo().create(
            {
                "message_sid": message_sid,
                "company_id": company.id,
                "from_number": number,
                "to_number": params.get("To"),
                "body": body[:1600],
                "action": action,
            }
        )
        if action == "message":
            reply._fap_post_to_chatter()
            return reply
        reply.twilio_date = self._fap_twilio_date(company, message_sid)
        if reply.twilio_date and self.sudo().search_count(
            [
                ("company_id", "=", company.id),
                ("from_number", "=", number),
                ("action", "in", ("opt_out", "opt_in")),
                ("applied", "=", True),
                ("twilio_date", ">", reply.twilio_date),
            ],
            limit=1,
        ):
            reply.applied = False
            return reply
        self.env["facture_a_payer.consent"]._fap_record(company, "sms", number, action, "sms_reply", detail=body[:200])
        return reply

    @api.model
    def _fap_twilio_date(self, company, message_sid):
        """When Twilio received the message (its ``date_created``, UTC), or ``None`` when Twilio cannot tell."""
        sms_api = company._get_sms_api_class()(self.env)
        if not hasattr(sms_api, "_fap_get_message"):
            return None
        sms_api._set_company(company)
        try:
            created = sms_api._fap_get_message(message_sid).get("date_created")
            date = parsedate_to_datetime(created)
        except (requests.RequestException, UserError, ValueError, TypeError, AttributeError) as error:
            _logger.info("Twilio could not date the message %s: %s", message_sid, error)
            return None
        return date.astimezone(UTC).replace(tzinfo=None) if date.tzinfo else date

    def _fap_post_to_chatter(self):
        """The reply goes where the company's merchant reads it: the company's latest document sent to that number,
        else the company's customers (or shared ones) with that number. Never another company's."""
        self.ensure_one()
        partners = (
            self.env["res.partner"]
            .sudo()
            .search([("phone_sanitized", "=", self.from_number), ("company_id", "in", [False, self.company_id.id])])
        )
        if not partners:
            return
        body = self.env._("SMS from %(number)s: %(body)s", number=self.from_number, body=self.body)
        latest = None
        for model in ("account.move", "sale.order"):
            document = (
                self.env[model]
                .sudo()
                .search(
                    [
                        ("company_id", "=", self.company_id.id),
                        ("partner_id", "in", partners.ids),
                        ("fap_sent_at", "!=", False),
                    ],
                    order="fap_sent_at desc, id desc",
                    limit=1,
                )
            )
            if document and (not latest or document.fap_sent_at > latest.fap_sent_at):
                latest = document
        for record in latest or partners:
            record.message_post(body=body, subtype_xmlid="mail.mt_note")
