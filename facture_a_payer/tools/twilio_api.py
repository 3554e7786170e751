import base64
import hashlib
import hmac
import re
from urllib.parse import urlsplit

import requests

from odoo.addons.sms_twilio.tools.sms_api import SmsApiTwilio

TWILIO_API_URL = "https://api.twilio.com"
TWILIO_API_URL_PARAM = "facture_a_payer.twilio_api_url"
# Reading the messages to one number: pages of 100, at most 5 (a customer receives a few SMS, not hundreds).
LIST_PAGE_SIZE = 100
LIST_MAX_PAGES = 5


# A Twilio message SID: SM (SMS) or MM (MMS) and 32 hexadecimal digits.
MESSAGE_SID_RE = re.compile(r"^(SM|MM)[0-9a-f]{32}$")
# Twilio's answer when the recipient texted STOP to the sender (https://www.twilio.com/docs/errors/21610).
UNSUBSCRIBED_RECIPIENT = 21610


def twilio_request_signature(auth_token, url, params):
    """The ``X-Twilio-Signature`` of a request Twilio posts to ``url`` with ``params``
    (https://www.twilio.com/docs/usage/security#validating-requests)."""
    payload = url + "".join(f"{key}{value}" for key, value in sorted(params.items()))
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def twilio_signature_matches(expected, signature):
    """Whether the ``X-Twilio-Signature`` header ``signature`` is ``expected``. Twilio's signatures are base64:
    a header with other characters is a wrong signature (``hmac.compare_digest`` raises on non-ASCII text)."""
    if not signature or not signature.isascii():
        return False
    return hmac.compare_digest(expected.encode(), signature.encode())


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

    def _fap_get_base_url(self):
        return self.env["ir.config_parameter"].sudo().get_param(TWILIO_API_URL_PARAM) or TWILIO_API_URL

    def _sms_twilio_send_request(self, session, to_number, body, uuid):
        base_url = self._fap_get_base_url()
        if urlsplit(base_url)._replace(path="").geturl() != TWILIO_API_URL:
            session = _RebasedSession(session, base_url)
        return super()._sms_twilio_send_request(session, to_number, body, uuid)

    def _twilio_error_code_to_odoo_state(self, response_json):
        # Odoo's « Not Allowed » delivery error: the chatter shows the SMS bounced, with Twilio's reason.
        if (response_json.get("code") or response_json.get("error_code")) == UNSUBSCRIBED_RECIPIENT:
            return "not_allowed"
        return super()._twilio_error_code_to_odoo_state(response_json)

    def _send_sms_batch(self, messages, delivery_reports_url=False):
        """Odoo's sending; a number Twilio refuses as unsubscribed (the customer texted STOP to the sending number)
        is opted out of the sending company's SMS."""
        results = super()._send_sms_batch(messages, delivery_reports_url=delivery_reports_url)
        numbers = {info["uuid"]: info["number"] for message in messages for info in message.get("numbers") or []}
        company = self.company or self.env.company
        for result in results:
            if result.get("failure_type") == "not_allowed" and numbers.get(result["uuid"]):
                self.env["facture_a_payer.consent"].sudo()._fap_record(
                    company,
                    "sms",
                    numbers[result["uuid"]],
                    "opt_out",
                    "sms_refused",
                    detail=result.get("failure_reason"),
                )
        return results

    def _fap_get_message(self, message_sid):
        """The account's message ``message_sid`` (« Fetch a Message resource »,
        https://www.twilio.com/docs/messaging/api/message-resource#fetch-a-message-resource), sent or received.

        :raise requests.RequestException: when Twilio cannot be reached or answers an error
        :raise UserError: when the company's account SID is not a Twilio one
        """
        if not MESSAGE_SID_RE.match(message_sid or ""):
            raise requests.RequestException(f"Not a Twilio message SID: {message_sid!r}")
        company_sudo = (self.company or self.env.company).sudo()
        company_sudo._assert_twilio_sid()
        account_sid = company_sudo.sms_twilio_account_sid
        url = f"{self._fap_get_base_url().rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages/{message_sid}.json"
        response = requests.get(url, auth=(account_sid, company_sudo.sms_twilio_auth_token), timeout=5)
        if not response.ok:
            raise requests.HTTPError(f"{response.status_code} {response.reason}")
        return response.json()

    def _fap_list_messages(self, to_number):
        """The account's messages to ``to_number``, most recent first (« Read multiple Message resources »,
        https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources).

        No ``DateSent>`` filter: a message Twilio accepted but has not sent yet has no date_sent, and the
        filter would hide it.

        :return: ``(messages, complete)``; ``complete`` is false when more pages remained
        :raise requests.RequestException: when Twilio cannot be reached or answers an error
        :raise UserError: when the company's account SID is not a Twilio one
        """
        company_sudo = (self.company or self.env.company).sudo()
        company_sudo._assert_twilio_sid()
        account_sid = company_sudo.sms_twilio_account_sid
        base_url = self._fap_get_base_url().rstrip("/")
        uri = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
        params = {"To": to_number, "PageSize": LIST_PAGE_SIZE}
        messages = []
        with requests.Session() as session:
            for _page in range(LIST_MAX_PAGES):
                response = session.get(
                    base_url + uri, params=params, auth=(account_sid, company_sudo.sms_twilio_auth_token), timeout=10
                )
                page = response.json()
                if not response.ok:
                    raise requests.HTTPError(f"{response.status_code} {page.get('message') or response.reason}")
                if not isinstance(page.get("messages"), list):
                    raise requests.RequestException("Twilio's answer holds no list of messages")
                messages += page["messages"]
                # The next page's URI carries the filters and Twilio's page token.
                uri, params = page.get("next_page_uri"), None
                if not uri:
                    return messages, True
        return messages, False
