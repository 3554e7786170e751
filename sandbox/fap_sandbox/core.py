"""What the sandbox's services share with its server: the HTTP request and response they handle, and the
callbacks they queue for Odoo (Twilio status callbacks, Stripe webhooks)."""

import json
import logging
from urllib.parse import parse_qsl, urlsplit

import requests

_logger = logging.getLogger(__name__)


class Request:
    """What a service sees of an HTTP request."""

    def __init__(self, handler, method):
        split = urlsplit(handler.path)
        self.method = method
        self.path = split.path
        self.query = dict(parse_qsl(split.query, keep_blank_values=True))
        self.headers = handler.headers
        try:
            length = max(0, int(handler.headers.get("Content-Length") or 0))
        except ValueError:
            length = 0
        self.body = handler.rfile.read(length) if length else b""
        # A list of pairs: Stripe's form encoding repeats keys (``expand[]``); ``dict(form)`` for the simple cases.
        self.form = []
        if "application/x-www-form-urlencoded" in (handler.headers.get("Content-Type") or ""):
            self.form = parse_qsl(self.body.decode(errors="replace"), keep_blank_values=True)


class Response:
    def __init__(self, status=200, body=b"", content_type="application/json", headers=None):
        self.status = status
        if isinstance(body, dict | list):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.body = body
        self.headers = {"Content-Type": content_type, **(headers or {})}

    @classmethod
    def json(cls, data, status=200):
        return cls(status, data)

    @classmethod
    def redirect(cls, location):
        return cls(303, b"", "text/plain", {"Location": location})


class Callback:
    """An HTTP POST the sandbox owes to Odoo (a status callback, a webhook)."""

    def __init__(self, url, data=None, body=None, headers=None, not_before=0.0, retries=3, on_done=None):
        self.url = url
        self.data = data
        self.body = body
        self.headers = headers or {}
        self.not_before = not_before
        self.retries = retries
        self.on_done = on_done
        self.attempts = []

    def send(self, timeout=10, cookies=None):
        try:
            response = requests.post(
                self.url,
                data=self.body if self.body is not None else self.data,
                headers=self.headers,
                cookies=cookies,
                timeout=timeout,
            )
            self.attempts.append((response.status_code, response.text[:200]))
            return response.ok
        except requests.RequestException as error:
            self.attempts.append(repr(error))
            return False
