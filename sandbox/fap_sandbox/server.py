"""The sandbox: one loopback HTTP server that stands in for Twilio and Stripe, plus an SMTP sink.

Services plug in by path prefix (``/twilio``, ``/stripe``); the root page shows what the customer
received. Outgoing callbacks (Twilio status callbacks, Stripe webhooks) are queued: the demo delivers
them by itself after a short delay, tests deliver them when they choose with ``deliver_pending()``.
"""

import html
import json
import logging
import re
import threading
import time
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import requests

_logger = logging.getLogger(__name__)

URL_RE = re.compile(r"https?://[^\s<>\"']+")


class Request:
    """What a service sees of an HTTP request."""

    def __init__(self, handler, method):
        split = urlsplit(handler.path)
        self.method = method
        self.path = split.path
        self.query = dict(parse_qsl(split.query, keep_blank_values=True))
        self.headers = handler.headers
        length = int(handler.headers.get("Content-Length") or 0)
        self.body = handler.rfile.read(length) if length else b""
        self.form = {}
        if "application/x-www-form-urlencoded" in (handler.headers.get("Content-Type") or ""):
            self.form = parse_qsl(self.body.decode(), keep_blank_values=True)


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


class Sandbox:
    """Start with ``Sandbox(port=0).start()``; ``url`` and ``smtp_port`` tell where it listens."""

    def __init__(self, host="127.0.0.1", port=0, smtp_port=0, odoo_url=None, auto_deliver=False, delay=1.0):
        from .smtp import MailSink
        from .twilio import TwilioEmulator

        self.host = host
        self.odoo_url = odoo_url
        self.auto_deliver = auto_deliver
        self.delay = delay
        self._lock = threading.RLock()
        self._pending = []
        self._stop = threading.Event()
        self.services = {}
        self.twilio = self.add_service("/twilio", TwilioEmulator(self))
        try:
            from .stripe import StripeEmulator
        except ImportError:  # the Stripe side is optional for the Twilio/SMTP tests
            StripeEmulator = None
        self.stripe = StripeEmulator and self.add_service("/stripe", StripeEmulator(self))
        self.mail = MailSink(host, smtp_port)
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._threads = []

    # -- life cycle ----------------------------------------------------------------------------
    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def smtp_port(self):
        return self.mail.port

    def start(self):
        self.mail.start()
        self._threads.append(threading.Thread(target=self._httpd.serve_forever, daemon=True, name="sandbox-http"))
        if self.auto_deliver:
            self._threads.append(threading.Thread(target=self._deliver_loop, daemon=True, name="sandbox-callbacks"))
        for thread in self._threads:
            thread.start()
        _logger.info("sandbox listening on %s, SMTP on %s:%s", self.url, self.host, self.smtp_port)
        return self

    def stop(self):
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self.mail.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def add_service(self, prefix, service):
        self.services[prefix] = service
        return service

    # -- callbacks -----------------------------------------------------------------------------
    def queue(self, callback):
        with self._lock:
            self._pending.append(callback)

    @property
    def pending(self):
        with self._lock:
            return list(self._pending)

    def deliver_pending(self, cookies=None):
        """Post every queued callback now (in order); returns the callbacks posted.

        Callbacks queued while delivering (a delivery that leads to the next status) are posted too.
        """
        done = []
        while True:
            with self._lock:
                if not self._pending:
                    return done
                callback = self._pending.pop(0)
            ok = callback.send(cookies=cookies)
            done.append(callback)
            if callback.on_done:
                callback.on_done(ok)

    def _deliver_loop(self):
        while not self._stop.wait(0.2):
            now = time.time()
            with self._lock:
                due = [c for c in self._pending if c.not_before <= now]
                for callback in due:
                    self._pending.remove(callback)
            for callback in due:
                ok = callback.send()
                if not ok and callback.retries > 0:
                    callback.retries -= 1
                    callback.not_before = time.time() + 2 * self.delay
                    self.queue(callback)
                elif callback.on_done:
                    callback.on_done(ok)

    # -- HTTP ----------------------------------------------------------------------------------
    def dispatch(self, request):
        for prefix, service in self.services.items():
            if request.path == prefix or request.path.startswith(prefix + "/"):
                return service.handle(request, request.path[len(prefix) :] or "/")
        if request.path == "/" and request.method == "GET":
            return Response(200, self.inbox_page(), "text/html; charset=utf-8")
        match = re.fullmatch(r"/mail/(\d+)", request.path)
        if match and int(match[1]) < len(self.mail.messages):
            message = self.mail.messages[int(match[1])]
            return Response(200, message["html"] or html.escape(message["text"]), "text/html; charset=utf-8")
        return Response.json({"error": {"message": f"Unrecognized request URL ({request.path})"}}, 404)

    def _handler_class(self):
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self, method):
                try:
                    response = sandbox.dispatch(Request(self, method))
                except Exception as error:  # a bug of the sandbox must not hang the caller
                    _logger.exception("sandbox error on %s %s", method, self.path)
                    response = Response.json({"error": {"message": str(error)}}, 500)
                if getattr(response, "delay", 0):
                    time.sleep(response.delay)
                self.send_response(response.status)
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def do_DELETE(self):
                self._serve("DELETE")

            def log_message(self, fmt, *args):
                _logger.debug("sandbox: " + fmt, *args)

        return Handler

    # -- the customer's side -------------------------------------------------------------------
    def inbox_page(self):
        items = [(m["date"], "SMS", m["to"], m["body"], None) for m in self.twilio.messages]
        items += [
            (m["date"], "Email", m["to"], f"{m['subject']}\n\n{m['text']}", f"/mail/{i}")
            for i, m in enumerate(self.mail.messages)
        ]
        items.sort(key=lambda item: item[0], reverse=True)
        rows = []
        for date, kind, to, body, view in items:
            text = URL_RE.sub(lambda m: f'<a href="{m[0]}">{m[0]}</a>', html.escape(body).replace("&amp;", "&"))
            view_link = f' · <a href="{view}">view the email</a>' if view else ""
            status = ""
            rows.append(
                f'<article class="{kind.lower()}"><header><b>{kind}</b> to {html.escape(to)}{status}'
                f' · <time>{time.strftime("%H:%M:%S", time.localtime(date))}</time>{view_link}</header>'
                f"<pre>{text}</pre></article>"
            )
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><meta name='viewport' "
            "content='width=device-width, initial-scale=1'><title>Sandbox · what the customer received</title>"
            "<style>body{font-family:sans-serif;max-width:40em;margin:auto;padding:1em}"
            "article{border:1px solid #ccc;border-radius:8px;margin:1em 0;padding:.5em 1em}"
            "article.sms{background:#eef6ff}pre{white-space:pre-wrap;font-family:inherit}</style></head>"
            "<body><h1>What the customer received</h1><p>Newest first: SMS sent through the Twilio stand-in and "
            "emails caught by the SMTP sink.</p>" + ("".join(rows) or "<p>Nothing yet.</p>") + "</body></html>"
        )


def parse_mail(raw):
    message = BytesParser(policy=policy.default).parsebytes(raw)
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    html_body = html_part.get_content() if html_part else ""
    text_body = text_part.get_content() if text_part else re.sub(r"<[^>]+>", " ", html_body)
    attachments = [
        {"filename": part.get_filename(), "content_type": part.get_content_type(), "data": part.get_content()}
        for part in message.iter_attachments()
    ]
    return {
        "date": time.time(),
        "from": str(message["From"] or ""),
        "to": str(message["To"] or ""),
        "subject": str(message["Subject"] or ""),
        "html": html_body,
        "text": text_body,
        "links": URL_RE.findall(html_body or text_body),
        "attachments": attachments,
        "message": message,
    }
