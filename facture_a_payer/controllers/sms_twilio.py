from werkzeug.exceptions import Forbidden

from odoo.addons.sms_twilio.controllers.controllers import SmsTwilioController
from odoo.addons.sms_twilio.tools.sms_twilio import generate_twilio_sms_callback_signature

from ..tools.twilio_api import twilio_signature_matches


class FapSmsTwilioController(SmsTwilioController):
    def _validate_twilio_signature(self, request, uuid):
        """Check a status callback with the Twilio token of the company that sent the SMS.

        Odoo reads that company from the ``sms.sms``, which the daily autovacuum deletes once sent; a
        later callback (delivered, undelivered) then falls back on the default company and crashes when
        Twilio is set on another one, so the SMS never shows delivered or failed. Its tracker stays:
        its message's company is the sender.

        A signature that is not ASCII (Twilio's are base64) is refused with 403 before Odoo's check, whose
        ``hmac.compare_digest`` of two texts raises on it.
        """
        if not request.httprequest.headers.get("X-Twilio-Signature", "").isascii():
            raise Forbidden()
        if request.env["sms.sms"].sudo().search_count([("uuid", "=", uuid)], limit=1):
            return super()._validate_twilio_signature(request, uuid)
        tracker = request.env["sms.tracker"].sudo().search([("sms_uuid", "=", uuid)], limit=1)
        company = tracker.mail_notification_id.mail_message_id.record_company_id.sudo()
        if not company.sms_twilio_auth_token:
            return False
        expected = generate_twilio_sms_callback_signature(company, uuid, request.httprequest.form.to_dict())
        return twilio_signature_matches(expected, request.httprequest.headers.get("X-Twilio-Signature", ""))
