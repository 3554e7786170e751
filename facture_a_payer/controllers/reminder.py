"""What the customer answers to reminders: an SMS reply (STOP / START) through Twilio's messaging webhook, and the
unsubscribe link of the reminder emails."""

import hmac
import unicodedata

from odoo.http import Controller, Response, request, route

from ..tools.twilio_api import twilio_request_signature

INBOUND_PATH = "/facture_a_payer/twilio/inbound"
# Twilio's own opt-out and opt-in keywords (Advanced Opt-Out), with their French forms (accents removed first).
OPT_OUT_KEYWORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "ARRETER", "DESABONNER"}
OPT_IN_KEYWORDS = {"START", "UNSTOP", "YES", "DEBUT", "OUI"}
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _keyword(body):
    text = unicodedata.normalize("NFKD", body or "").encode("ascii", "ignore").decode()
    return text.strip().strip(".!").upper()


class FapReminderController(Controller):
    @route(INBOUND_PATH, type="http", auth="public", methods=["POST"], csrf=False, sitemap=False)
    def fap_twilio_inbound(self, **_kwargs):
        """A customer's SMS to the company's Twilio number (Twilio's « A message comes in » webhook).

        Signed like Twilio signs it (``X-Twilio-Signature``, the company's auth token); anything else is
        refused. STOP and its synonyms opt the number out of SMS, START opts it in again (recorded with the
        customer's words); another reply goes to the customer's chatter for the merchant to read.
        """
        form = request.httprequest.form.to_dict()
        companies = (
            request.env["res.company"]
            .sudo()
            .search([("sms_provider", "=", "twilio"), ("sms_twilio_account_sid", "=", form.get("AccountSid") or "")])
        )
        company = companies.filtered(lambda c: form.get("To") in c.sms_twilio_number_ids.mapped("number"))[:1]
        company = company or companies[:1]
        if not company or not company.sms_twilio_auth_token:
            return Response("Unknown account", status=403)
        url = company.get_base_url().rstrip("/") + INBOUND_PATH
        expected = twilio_request_signature(company.sms_twilio_auth_token, url, form)
        if not hmac.compare_digest(expected, request.httprequest.headers.get("X-Twilio-Signature", "")):
            return Response("Invalid signature", status=403)
        number, body = form.get("From") or "", form.get("Body") or ""
        Consent = request.env["facture_a_payer.consent"].sudo()
        keyword = _keyword(body)
        if keyword in OPT_OUT_KEYWORDS:
            Consent._fap_record("sms", number, "opt_out", "sms_reply", detail=body[:200])
        elif keyword in OPT_IN_KEYWORDS:
            Consent._fap_record("sms", number, "opt_in", "sms_reply", detail=body[:200])
        else:
            for partner in request.env["res.partner"].sudo().search([("phone_sanitized", "=", number)]):
                partner.message_post(
                    body=request.env._("SMS from %(number)s: %(body)s", number=number, body=body[:1600]),
                    subtype_xmlid="mail.mt_note",
                )
        return Response(EMPTY_TWIML, content_type="text/xml")

    def _fap_unsubscribe_partner(self, partner_id, token):
        partner = request.env["res.partner"].sudo().browse(partner_id).exists()
        if not partner or not hmac.compare_digest(partner._fap_unsubscribe_token(), token or ""):
            raise request.not_found()
        request.update_context(lang=partner.lang or request.env.lang)
        return partner

    @route(
        "/facture_a_payer/unsubscribe/<int:partner_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def fap_unsubscribe_page(self, partner_id, token):
        """The link of a reminder email: a page that asks before unsubscribing (mail scanners open links)."""
        partner = self._fap_unsubscribe_partner(partner_id, token)
        return request.render(
            "facture_a_payer.unsubscribe_page", {"partner": partner, "token": token, "done": partner.is_blacklisted}
        )

    @route(
        "/facture_a_payer/unsubscribe/<int:partner_id>/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
    )
    def fap_unsubscribe(self, partner_id, token, **_kwargs):
        partner = self._fap_unsubscribe_partner(partner_id, token)
        if partner.email_normalized and not partner.is_blacklisted:
            request.env["facture_a_payer.consent"].sudo()._fap_record(
                "email", partner.email_normalized, "opt_out", "unsubscribe_link", partners=partner
            )
        return request.render("facture_a_payer.unsubscribe_page", {"partner": partner, "token": token, "done": True})
