"""What the customer answers to reminders: an SMS reply (STOP / START) through Twilio's messaging webhook, and the
unsubscribe link of the reminder emails."""

import hmac

from odoo.http import Controller, Response, request, route

from ..tools.twilio_api import twilio_request_signature, twilio_signature_matches

INBOUND_PATH = "/facture_a_payer/twilio/inbound"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class FapReminderController(Controller):
    @route(INBOUND_PATH, type="http", auth="public", methods=["POST"], csrf=False, sitemap=False)
    def fap_twilio_inbound(self, **_kwargs):
        """A customer's SMS to a company's Twilio number (Twilio's « A message comes in » webhook).

        The company is the one whose Twilio number received it (``To``); the request must be signed like Twilio
        signs it (``X-Twilio-Signature``, that company's auth token), else it is refused. Each Twilio message
        (``MessageSid``) is applied once: STOP and its synonyms opt the number out of that company's SMS, START
        opts it in again (recorded with the customer's words); another reply goes to that company's chatter.
        """
        form = request.httprequest.form.to_dict()
        signature = request.httprequest.headers.get("X-Twilio-Signature", "")
        to_number = form.get("To") or ""
        companies = to_number and (
            request.env["res.company"]
            .sudo()
            .search(
                [
                    ("sms_provider", "=", "twilio"),
                    ("sms_twilio_account_sid", "=", form.get("AccountSid") or ""),
                    ("sms_twilio_number_ids.number", "=", to_number),
                ],
                order="id",
            )
        )
        for company in companies or ():
            url = company.get_base_url().rstrip("/") + INBOUND_PATH
            token = company.sms_twilio_auth_token
            if token and twilio_signature_matches(twilio_request_signature(token, url, form), signature):
                break
        else:
            return Response("Unknown number or invalid signature", status=403)
        if not form.get("MessageSid"):
            return Response("Missing MessageSid", status=400)
        request.env["facture_a_payer.sms.reply"].sudo()._fap_receive(company, form)
        return Response(EMPTY_TWIML, content_type="text/xml")

    def _fap_unsubscribe_partner(self, partner_id, token):
        partner = request.env["res.partner"].sudo().browse(partner_id).exists()
        # Compared as bytes: a token with non-ASCII characters is a wrong token, not an error.
        if not partner or not hmac.compare_digest(partner._fap_unsubscribe_token().encode(), (token or "").encode()):
            raise request.not_found()
        request.update_context(lang=partner.lang or request.env.lang)
        return partner

    # website=True, as the portal's pages: the page is rendered in web.frontend_layout, which Odoo's website (when
    # installed) extends with what only its frontend routes prepare.
    @route(
        "/facture_a_payer/unsubscribe/<int:partner_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
        website=True,
    )
    def fap_unsubscribe_page(self, partner_id, token, **_kwargs):
        """The link of a reminder email: a page that asks before unsubscribing (mail scanners open links)."""
        partner = self._fap_unsubscribe_partner(partner_id, token)
        companies = self._fap_unsubscribe_companies(partner)
        done = all(partner._fap_email_opted_out(company) for company in companies)
        return request.render("facture_a_payer.unsubscribe_page", self._fap_unsubscribe_values(partner, token, done))

    @route(
        "/facture_a_payer/unsubscribe/<int:partner_id>/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
        website=True,
    )
    def fap_unsubscribe(self, partner_id, token, **_kwargs):
        partner = self._fap_unsubscribe_partner(partner_id, token)
        for company in self._fap_unsubscribe_companies(partner):
            if partner.email_normalized and not partner._fap_email_opted_out(company):
                request.env["facture_a_payer.consent"].sudo()._fap_record(
                    company, "email", partner.email_normalized, "opt_out", "unsubscribe_link", partners=partner
                )
        return request.render("facture_a_payer.unsubscribe_page", self._fap_unsubscribe_values(partner, token, True))

    def _fap_unsubscribe_companies(self, partner):
        """The companies whose reminder emails the link stops: the one it names (``company``, signed for the
        customer), else, for a link sent before opt-outs were kept per company, those that reminded the customer."""
        value = request.params.get("company")
        if not value:
            reminded = request.env["facture_a_payer.reminder"].sudo().search([("partner_id", "=", partner.id)])
            return reminded.company_id or partner.company_id or request.env.company
        company_id = str(value).partition("-")[0]
        company = request.env["res.company"].browse()
        if company_id.isascii() and company_id.isdigit() and len(company_id) < 10:
            company = request.env["res.company"].sudo().browse(int(company_id)).exists()
        expected = company and partner._fap_unsubscribe_company_token(company)
        if not expected or not str(value).isascii() or not hmac.compare_digest(expected.encode(), str(value).encode()):
            raise request.not_found()
        return company

    def _fap_unsubscribe_values(self, partner, token, done):
        companies = self._fap_unsubscribe_companies(partner)
        return {
            "partner": partner,
            "token": token,
            "done": done,
            "company_name": companies[:1].name,
            "company_token": request.params.get("company"),
        }
