"""The part of Twilio's Programmable Messaging API that Odoo's ``sms_twilio`` uses.

https://www.twilio.com/docs/messaging/api/message-resource: ``POST /2010-04-01/Accounts/{sid}/Messages.json``
with basic auth (account SID, auth token), answered like Twilio does (201 + the message, or 400/401 with
``code``/``message``/``more_info``), then signed status callbacks to ``StatusCallback``
(https://www.twilio.com/docs/usage/security#validating-requests): queued → sent → delivered.
``GET /2010-04-01/Accounts/{sid}/Messages.json`` lists the messages, most recent first, by pages
(https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources); ``GET`` of
``Messages/{MessageSid}.json`` reads one (a message sent, or one a customer sent to the account's numbers).

Destination numbers ending in these digits behave like Twilio's test numbers:
``0001`` invalid number (21211), ``0009`` not SMS-capable (21614), ``0666`` accepted then undelivered
(30003), ``0667`` accepted then failed (30008).

The error codes the product relies on, answered as Twilio does (HTTP 400, ``code``, ``message``, ``more_info``,
``status``; https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions):

- 21211 « Invalid 'To' Phone Number », https://www.twilio.com/docs/errors/21211: not a number (the sandbox: not
  E.164, or ending in 0001); Odoo's ``sms_twilio`` marks the SMS failed, wrong number format.
- 21610 « Attempt to send to unsubscribed recipient », https://www.twilio.com/docs/errors/21610: the customer
  answered STOP (Advanced Opt-Out) and has not answered START since; ``facture_a_payer`` records the opt-out.
- 21614 « 'To' number is not a valid mobile number », https://www.twilio.com/docs/errors/21614: a landline
  (the sandbox: ending in 0009); ``sms_twilio`` marks the SMS failed, wrong number format, as for 21211.

Every request and answer is held to Twilio's OpenAPI description of the Messages resource
(``fap_sandbox.contracts``, ``contract_violations``).

A customer's reply (``receive``) is posted, signed, to the account's messaging webhook (« A message comes in »,
https://www.twilio.com/docs/messaging/guides/webhook-request). As Twilio's Advanced Opt-Out does, STOP (and
its synonyms, ARRET in French) unsubscribes the number from the sender: sending to it is then refused with
21610 until the customer answers START (or DEBUT).
"""

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import quote

from . import contracts
from .core import Callback, Response

_logger = logging.getLogger(__name__)

DEMO_ACCOUNT_SID = "AC" + "fac7ure4pa7er".ljust(32, "0")
DEMO_AUTH_TOKEN = "sandbox-twilio-auth-token-0000000"
DEMO_NUMBERS = ("+15145550100",)
E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")
LIST_FILTERS = ("To", "From", "DateSent", "DateSent<", "DateSent>")
OPT_OUT_KEYWORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "ARRÊT"}
OPT_IN_KEYWORDS = {"START", "UNSTOP", "YES", "DEBUT", "DÉBUT"}
MESSAGES_RE = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages(?:/(?P<msid>SM[0-9a-f]{32}))?\.json$")


def twilio_signature(auth_token, url, params):
    payload = url + "".join(f"{key}{value}" for key, value in sorted(params.items()))
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def _rfc2822(timestamp):
    """Twilio's dates: ``Thu, 24 Aug 2023 05:01:45 +0000``."""
    return format_datetime(datetime.fromtimestamp(timestamp, UTC))


def _error(status, code, message):
    return Response.json(
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status},
        status,
    )


class TwilioEmulator:
    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.accounts = {DEMO_ACCOUNT_SID: {"token": DEMO_AUTH_TOKEN, "numbers": set(DEMO_NUMBERS)}}
        self.messages = []
        self.replies = []
        # (sender number, customer number) pairs the customer unsubscribed with STOP.
        self.opted_out = set()
        self.requests = []
        # What departed from Twilio's API description (``fap_sandbox.contracts``): the tests require none.
        self.contract_violations = []
        # Failure injection for tests: an HTTP status to answer every request with (an outage), or
        # seconds to wait before answering (a slow Twilio).
        self.outage = None
        self.latency = 0
        self._lock = threading.Lock()

    def handle(self, request, path):
        self.requests.append(request)
        response = self._handle(request, path)
        params = dict(request.form) if request.method == "POST" else request.query
        violations = contracts.check_twilio_request(request.method, path, params)
        if not violations:
            violations = contracts.check_twilio_response(
                request.method, path, response.status, json.loads(response.body)
            )
        for violation in violations:
            _logger.warning("sandbox: Twilio's API description says otherwise: %s", violation)
        self.contract_violations += violations
        return response

    def _handle(self, request, path):
        if self.outage:
            return _error(self.outage, 20500, "Service Unavailable")
        match = MESSAGES_RE.match(path)
        if not match:
            return _error(404, 20404, f"The requested resource {path} was not found")
        account = self._authenticate(request, match["sid"])
        if account is None:
            return _error(401, 20003, "Authenticate")
        if request.method == "GET" and match["msid"]:
            # Twilio's Messages resource holds both ways: what the account sent and what its numbers received.
            message = next(
                (
                    m
                    for m in self.messages + self.replies
                    if m["sid"] == match["msid"] and m["account_sid"] == match["sid"]
                ),
                None,
            )
            return Response.json(self._resource(message)) if message else _error(404, 20404, "Not found")
        if request.method == "GET":
            return self._list(match["sid"], path, request.query)
        if request.method != "POST" or match["msid"]:
            return _error(405, 20004, "Method not allowed")
        response = self._create(match["sid"], account, dict(request.form))
        response.delay = self.latency
        return response

    def _authenticate(self, request, sid):
        header = request.headers.get("Authorization") or ""
        if not header.startswith("Basic "):
            return None
        try:
            user, _sep, token = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        account = self.accounts.get(sid)
        if user != sid or not account or not hmac.compare_digest(token, account["token"]):
            return None
        return account

    def _create(self, sid, account, form):
        to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not sender:
            return _error(400, 21603, "A 'From' phone number is required.")
        if not E164_RE.match(to) or to.endswith("0001"):
            return _error(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if to.endswith("0009"):
            return _error(400, 21614, f"'To' number {to} is not a valid mobile number")
        if sender not in account["numbers"]:
            return _error(
                400,
                21606,
                f"The From phone number {sender} is not a valid, SMS-capable inbound phone number "
                "or short code for your account.",
            )
        if sender == to:
            return _error(400, 21266, "'To' and 'From' number cannot be the same")
        if (sender, to) in self.opted_out:
            return _error(400, 21610, "Attempt to send to unsubscribed recipient")
        if not body:
            return _error(400, 21602, "Message body is required.")
        message = {
            "sid": "SM" + secrets.token_hex(16),
            "account_sid": sid,
            "to": to,
            "from": sender,
            "body": body,
            "status": "queued",
            "status_history": ["queued"],
            "status_callback": form.get("StatusCallback"),
            "error_code": None,
            "error_message": None,
            "date": time.time(),
            "date_sent": None,
        }
        with self._lock:
            self.messages.append(message)
        final = "delivered"
        if to.endswith("0666"):
            final = "undelivered"
        elif to.endswith("0667"):
            final = "failed"
        # Twilio answers "queued"; the statuses move on afterwards (at once when there is no StatusCallback).
        response = Response.json(self._resource(message), 201)
        self._queue_status(message, account, ["sent", final])
        return response

    def _queue_status(self, message, account, statuses):
        """Queue the next status callback; each one queues the following once posted."""
        if not statuses:
            return
        status, rest = statuses[0], statuses[1:]
        params = {
            "AccountSid": message["account_sid"],
            "ApiVersion": "2010-04-01",
            "From": message["from"],
            "MessageSid": message["sid"],
            "MessageStatus": status,
            "SmsSid": message["sid"],
            "SmsStatus": status,
            "To": message["to"],
        }
        if status in ("undelivered", "failed"):
            message["error_code"] = 30003 if status == "undelivered" else 30008
            message["error_message"] = "Unreachable destination handset" if status == "undelivered" else "Unknown error"
            params["ErrorCode"] = str(message["error_code"])
            params["ErrorMessage"] = message["error_message"]

        def on_done(_ok):
            message["status"] = status
            message["date_updated"] = time.time()
            if status == "sent":
                message["date_sent"] = time.time()
            message["status_history"].append(status)
            self._queue_status(message, account, rest)

        url = message["status_callback"]
        if not url:
            on_done(True)
            return
        headers = {"X-Twilio-Signature": twilio_signature(account["token"], url, params)}
        self.sandbox.queue(
            Callback(url, data=params, headers=headers, not_before=time.time() + self.sandbox.delay, on_done=on_done)
        )

    @staticmethod
    def _resource(message):
        uri = f"/2010-04-01/Accounts/{message['account_sid']}/Messages/{message['sid']}"
        return {
            "sid": message["sid"],
            "account_sid": message["account_sid"],
            "to": message["to"],
            "from": message["from"],
            "body": message["body"],
            "status": message["status"],
            "num_segments": str(max(1, -(-len(message["body"]) // 153))),
            "direction": message.get("direction", "outbound-api"),
            "api_version": "2010-04-01",
            "price": None,
            "price_unit": "USD",
            "error_code": message["error_code"],
            "error_message": message["error_message"],
            "date_created": _rfc2822(message["date"]),
            "date_sent": message["date_sent"] and _rfc2822(message["date_sent"]),
            "date_updated": _rfc2822(message.get("date_updated") or message["date"]),
            "messaging_service_sid": None,
            "num_media": "0",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "uri": f"{uri}.json",
        }

    def _list(self, sid, path, query):
        """Twilio's « Read multiple Message resources »: ``To``/``From`` match exactly; ``DateSent``,
        ``DateSent<`` and ``DateSent>`` (days, YYYY-MM-DD, inclusive) select on the day the message was sent,
        so they leave out a message Twilio has not sent yet (it has no date_sent); ``PageSize``, ``Page``."""
        try:
            page_size = min(max(int(query.get("PageSize") or 50), 1), 1000)
            page = max(int(query.get("Page") or 0), 0)
        except ValueError:
            return _error(400, 20001, "Invalid PageSize or Page")

        def sent_day(message):
            return message["date_sent"] and time.strftime("%Y-%m-%d", time.gmtime(message["date_sent"]))

        def selected(message):
            day = sent_day(message)
            return (
                message["account_sid"] == sid
                and query.get("To", message["to"]) == message["to"]
                and query.get("From", message["from"]) == message["from"]
                and ("DateSent" not in query or day == query["DateSent"])
                and ("DateSent<" not in query or (day and day <= query["DateSent<"]))
                and ("DateSent>" not in query or (day and day >= query["DateSent>"]))
            )

        with self._lock:
            messages = [m for m in reversed(self.messages) if selected(m)]
        start = page * page_size
        chunk = messages[start : start + page_size]
        filters = "".join(f"&{quote(key)}={quote(query[key])}" for key in LIST_FILTERS if key in query)

        def page_uri(number):
            return f"/2010-04-01/Accounts/{sid}/Messages.json?PageSize={page_size}&Page={number}{filters}"

        return Response.json(
            {
                "messages": [self._resource(m) for m in chunk],
                "page": page,
                "page_size": page_size,
                "start": start,
                "end": start + max(len(chunk) - 1, 0),
                "uri": page_uri(page),
                "first_page_uri": page_uri(0),
                "previous_page_uri": page_uri(page - 1) if page else None,
                "next_page_uri": page_uri(page + 1) if start + page_size < len(messages) else None,
            }
        )

    def receive(self, from_number, body, to=DEMO_NUMBERS[0], url=None):
        """The customer ``from_number`` texts ``body`` to the merchant's number ``to``: Twilio's opt-out keywords
        apply, then the message is posted, signed, to the messaging webhook (Odoo's by default)."""
        sid, account = next((sid, a) for sid, a in self.accounts.items() if to in a["numbers"])
        keyword = body.strip().upper()
        if keyword in OPT_OUT_KEYWORDS:
            self.opted_out.add((to, from_number))
        elif keyword in OPT_IN_KEYWORDS:
            self.opted_out.discard((to, from_number))
        message_sid = "SM" + secrets.token_hex(16)
        params = {
            "AccountSid": sid,
            "ApiVersion": "2010-04-01",
            "Body": body,
            "From": from_number,
            "MessageSid": message_sid,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsMessageSid": message_sid,
            "SmsSid": message_sid,
            "SmsStatus": "received",
            "To": to,
        }
        if keyword in OPT_OUT_KEYWORDS | OPT_IN_KEYWORDS:
            params["OptOutType"] = "STOP" if keyword in OPT_OUT_KEYWORDS else "START"
        url = url or f"{self.sandbox.odoo_url.rstrip('/')}/facture_a_payer/twilio/inbound"
        now = time.time()
        reply = {
            "sid": message_sid,
            "account_sid": sid,
            "from": from_number,
            "to": to,
            "body": body,
            "direction": "inbound",
            "status": "received",
            "error_code": None,
            "error_message": None,
            "date": now,
            "date_sent": now,
        }
        self.replies.append(reply)
        headers = {"X-Twilio-Signature": twilio_signature(account["token"], url, params)}
        self.sandbox.queue(Callback(url, data=params, headers=headers, not_before=time.time()))
        return reply

    def find(self, to=None):
        return [m for m in self.messages if to is None or m["to"] == to]
