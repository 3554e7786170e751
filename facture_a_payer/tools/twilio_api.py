from urllib.parse import urlsplit

from odoo.addons.sms_twilio.tools.sms_api import SmsApiTwilio

TWILIO_API_URL = "https://api.twilio.com"
TWILIO_API_URL_PARAM = "facture_a_payer.twilio_api_url"


class _RebasedSession:
    """Send Twilio requests to another base URL (the sandbox), keeping the rest of the call as is."""

    def __init__(self, session, base_url):
        self._session = session
        self._base_url = base_url.rstrip("/")

    def post(self, url, *args, **kwargs):
        if url.startswith(TWILIO_API_URL):
            url = self._base_url + url[len(TWILIO_API_URL) :]
        return self._session.post(url, *args, **kwargs)


class SmsApiTwilioConfigurable(SmsApiTwilio):
    """Odoo's Twilio transport, with the API base URL read from a system parameter."""

    def _sms_twilio_send_request(self, session, to_number, body, uuid):
        base_url = self.env["ir.config_parameter"].sudo().get_param(TWILIO_API_URL_PARAM) or TWILIO_API_URL
        if urlsplit(base_url)._replace(path="").geturl() != TWILIO_API_URL:
            session = _RebasedSession(session, base_url)
        return super()._sms_twilio_send_request(session, to_number, body, uuid)
