"""The sandbox: one loopback HTTP server that stands in for Twilio, Stripe and Interac, plus an SMTP sink and a
DNS server (the public keys of the Interac notifications' signatures).

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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .core import Request, Response
from .interac import InteracEmulator
from .mail import URL_RE, inline_cid_images
from .smtp import MailSink
from .twilio import TwilioEmulator

try:
    from .stripe import StripeEmulator
except ImportError:  # the Stripe side is optional for the Twilio/SMTP tests
    StripeEmulator = None

_logger = logging.getLogger(__name__)


class Sandbox:
    """Start with ``Sandbox(port=0).start()``; ``url`` and ``smtp_port`` tell where it listens."""

    def __init__(self, host="127.0.0.1", port=0, smtp_port=0, odoo_url=None, auto_deliver=False, delay=1.0, dns_port=0):
        self.host = host
        self.odoo_url = odoo_url
        self.auto_deliver = auto_deliver
        self.delay = delay
        self._lock = threading.RLock()
        self._pending = []
        self._stop = threading.Event()
        self._started = False
        self.services = {}
        self.twilio = self.add_service("/twilio", TwilioEmulator(self))
        self.stripe = StripeEmulator and self.add_service("/stripe", StripeEmulator(self))
        self.interac = self.add_service("/interac", InteracEmulator(self, dns_port))
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
        self.interac.start()
        self._threads.append(threading.Thread(target=self._httpd.serve_forever, daemon=True, name="sandbox-http"))
        if self.auto_deliver:
            self._threads.append(threading.Thread(target=self._deliver_loop, daemon=True, name="sandbox-callbacks"))
        for thread in self._threads:
            thread.start()
        self._started = True
        _logger.info("sandbox listening on %s, SMTP on %s:%s", self.url, self.host, self.smtp_port)
        return self

    def stop(self):
        """Stop serving; safe to call twice, or on a sandbox that never started."""
        self._stop.set()
        if self._started:
            self._started = False
            self._httpd.shutdown()
            self.mail.stop()
        self.interac.stop()
        self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def reset(self):
        """Forget what was received and queued, and the injected failures (between two tests)."""
        with self._lock:
            self._pending.clear()
        self.twilio.messages.clear()
        self.twilio.requests.clear()
        self.twilio.contract_violations.clear()
        self.twilio.replies.clear()
        self.twilio.opted_out.clear()
        self.twilio.outage, self.twilio.latency = None, 0
        self.mail.messages.clear()
        self.interac.reset()

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
        """The demo's postman: posts each callback when due, retrying while Odoo does not answer 2xx."""
        while not self._stop.wait(0.2):
            now = time.time()
            with self._lock:
                due = [c for c in self._pending if c.not_before <= now]
                for callback in due:
                    self._pending.remove(callback)
            for callback in due:
                try:
                    ok = callback.send()
                except Exception:  # a broken callback must not stop the delivery of the others
                    _logger.exception("sandbox: could not post the callback to %s", callback.url)
                    ok = False
                if not ok and callback.retries > 0:
                    callback.retries -= 1
                    callback.not_before = time.time() + 2 * self.delay
                    self.queue(callback)
                    continue
                if not ok:
                    _logger.warning("sandbox: gave up posting to %s: %s", callback.url, callback.attempts[-1:])
                if callback.on_done:
                    callback.on_done(ok)

    # -- HTTP ----------------------------------------------------------------------------------
    def dispatch(self, request):
        for prefix, service in self.services.items():
            if request.path == prefix or request.path.startswith(prefix + "/"):
                return service.handle(request, request.path[len(prefix) :] or "/")
        if request.method == "GET" and request.path == "/":
            return Response(200, self.inbox_page(), "text/html; charset=utf-8")
        if request.method == "GET" and request.path == "/inbox.json":
            return Response.json(self.inbox_state())
        if request.method == "POST" and request.path == "/reply":
            # The customer answers an SMS from the phone page (STOP, START, or anything else).
            form = dict(request.form)
            if form.get("from") and form.get("to") and form.get("body"):
                self.twilio.receive(form["from"], form["body"], to=form["to"])
            return Response.redirect("/")
        match = re.fullmatch(r"/mail/(\d+)", request.path)
        if request.method == "GET" and match and int(match[1]) < len(self.mail.messages):
            message = self.mail.messages[int(match[1])]
            body = message["html"] or f"<pre>{html.escape(message['text'])}</pre>"
            return Response(200, inline_cid_images(body, message["message"]), "text/html; charset=utf-8")
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
                try:
                    self.send_response(response.status)
                    for key, value in response.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(response.body)))
                    self.end_headers()
                    self.wfile.write(response.body)
                except (BrokenPipeError, ConnectionResetError):  # the caller gave up (a client timeout)
                    self.close_connection = True

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def do_PUT(self):
                self._serve("PUT")

            def do_PATCH(self):
                self._serve("PATCH")

            def do_DELETE(self):
                self._serve("DELETE")

            def log_message(self, fmt, *args):
                _logger.debug("sandbox: " + fmt, *args)

        return Handler

    # -- the customer's side -------------------------------------------------------------------
    def inbox_state(self):
        """What the inbox page polls to reload itself when something arrives or changes."""
        statuses = [m["status"] for m in self.twilio.messages]
        return {
            "sms": len(statuses),
            "emails": len(self.mail.messages),
            "statuses": statuses,
            "transfers": len(self.interac.delivered),
        }

    def inbox_items(self):
        """Every SMS and email the customer received, newest first."""
        items = [
            {
                "kind": "sms",
                "date": m["date"],
                "to": m["to"],
                "from": m["from"],
                "body": m["body"],
                "status": m["status"],
                "error_code": m["error_code"],
                "error_message": m["error_message"],
            }
            for m in self.twilio.messages
        ]
        items += [
            {
                "kind": "email",
                "date": m["date"],
                "to": m["to"],
                "from": m["from"],
                "subject": m["subject"],
                "links": m["links"],
                "attachments": [a["filename"] for a in m["attachments"]],
                "index": i,
            }
            for i, m in enumerate(self.mail.messages)
        ]
        items.sort(key=lambda item: item["date"], reverse=True)
        return items

    def inbox_page(self):
        state = json.dumps(self.inbox_state()).replace("</", "<\\/")
        rows = "".join(map(_inbox_row, self.inbox_items())) or INBOX_EMPTY
        page = INBOX_PAGE.replace("{state}", state).replace("{transfer}", self.transfer_form())
        return page.replace("{rows}", rows)

    def transfer_form(self):
        """« Envoyer un virement »: the customer's bank app, prefilled from the last message offering Interac."""
        amount = message = ""
        for sms in reversed(self.twilio.messages):
            if "interac" in sms["body"].lower():
                found = re.search(r"message ?: ?(\S+)", sms["body"], re.IGNORECASE)
                message = found[1] if found else ""
                found = re.search(r"(\d[\d\u00a0\u202f ]*,\d\d) ?\$", sms["body"])  # 1 234,56 $
                if found:
                    amount = re.sub(r"\D", "", found[1][:-3]) + "." + found[1][-2:]
                elif found := re.search(r"\$ ?(\d[\d,]*\.\d\d)", sms["body"]):  # $1,234.56
                    amount = found[1].replace(",", "")
                break
        sent = "".join(
            f"<li>{time.strftime('%H:%M:%S', time.localtime(item['date']))} → Odoo: "
            f"{html.escape(str(item['result']))}</li>"
            for item in reversed(self.interac.delivered[-5:])
        )
        return TRANSFER_FORM.format(
            amount=html.escape(amount),
            message=html.escape(message),
            sent=f'<ul class="sent">{sent}</ul>' if sent else "",
        )


def _linkify(text):
    """Escape ``text`` for HTML and make its URLs clickable."""
    out, last = [], 0
    for match in URL_RE.finditer(text):
        url = match[0].rstrip(".,;:!?)")
        out.append(html.escape(text[last : match.start()]))
        out.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
        last = match.start() + len(url)
    out.append(html.escape(text[last:]))
    return "".join(out)


SMS_STATUS_CLASS = {"delivered": "ok", "sent": "pending", "queued": "pending", "undelivered": "ko", "failed": "ko"}


def _inbox_row(item):
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(item["date"]))
    if item["kind"] == "sms":
        status = html.escape(item["status"])
        if item["error_code"]:
            status += f" · {item['error_code']} {html.escape(item['error_message'] or '')}"
        return (
            f'<article class="sms"><header><span class="kind">SMS</span> <b>{html.escape(item["to"])}</b>'
            f' <span class="status {SMS_STATUS_CLASS.get(item["status"], "pending")}">{status}</span>'
            f' <time>{when}</time></header><p class="body">{_linkify(item["body"])}</p>'
            f"<footer>{html.escape(item['from'])} → {html.escape(item['to'])}</footer>"
            f'<form class="reply" method="post" action="/reply"><input type="hidden" name="from"'
            f' value="{html.escape(item["to"])}"><input type="hidden" name="to" value="{html.escape(item["from"])}">'
            f'<input name="body" placeholder="Reply (STOP, ARRÊT, START…)" aria-label="Reply">'
            f"<button>Send</button></form></article>"
        )
    links = "".join(f'<li><a href="{html.escape(url)}">{html.escape(url)}</a></li>' for url in item["links"])
    files = "".join(f"<li>📎 {html.escape(name or '?')}</li>" for name in item["attachments"])
    return (
        f'<article class="email"><header><span class="kind">@</span> <b>{html.escape(item["to"])}</b>'
        f' <time>{when}</time></header><h2><a href="/mail/{item["index"]}">{html.escape(item["subject"])}</a></h2>'
        f'<ul class="links">{links}{files}</ul><footer>{html.escape(item["from"])}</footer></article>'
    )


INBOX_EMPTY = '<p class="empty">— 0 —</p>'
INBOX_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sandbox · SMS &amp; email</title>
<style>
body{font-family:system-ui,sans-serif;max-width:42em;margin:auto;padding:.5em 1em;background:#f4f4f6;color:#222}
h1{font-size:1.2em}article{background:#fff;border-radius:10px;margin:.8em 0;padding:.6em .9em;
box-shadow:0 1px 3px #0002;overflow-wrap:anywhere}article.sms{border-left:5px solid #2b7de9}
article.email{border-left:5px solid #8a5cd0}header{display:flex;flex-wrap:wrap;gap:.5em;align-items:center}
.kind{font-weight:bold;color:#fff;background:#555;border-radius:4px;padding:0 .4em}.sms .kind{background:#2b7de9}
.email .kind{background:#8a5cd0}time{margin-left:auto;color:#777;font-size:.85em}
.status{border-radius:4px;padding:0 .4em;font-size:.85em}.status.ok{background:#d7f5dd}
.status.pending{background:#fff1c2}.status.ko{background:#ffd6d6}h2{font-size:1em;margin:.4em 0}
.body{white-space:pre-wrap;margin:.4em 0}footer{color:#888;font-size:.8em}ul.links{padding-left:1.2em;margin:.3em 0}
a{color:#0b57d0}.empty{text-align:center;color:#888}form.reply{display:flex;gap:.4em;margin-top:.4em}
form.reply input{flex:1;min-width:0;padding:.3em;border:1px solid #ccc;border-radius:6px}
details.interac{background:#fff;border-radius:10px;padding:.6em .9em;border-left:5px solid #f5b400;
box-shadow:0 1px 3px #0002}details.interac form{display:grid;gap:.4em;margin-top:.5em}
details.interac input,details.interac select{padding:.4em;border:1px solid #ccc;border-radius:6px}
ul.sent{color:#555;font-size:.85em}
</style></head>
<body><h1>SMS · @ <small>(sandbox: Twilio · SMTP · Interac)</small></h1>
{transfer}
{rows}
<script type="application/json" id="state">{state}</script>
<script>
// Reload when an SMS or an email arrives, or an SMS status changes.
const state = JSON.stringify(JSON.parse(document.getElementById("state").textContent));
setInterval(() => fetch("/inbox.json").then((r) => r.json()).then((now) => {
    if (JSON.stringify(now) !== state) location.reload();
}).catch(() => {}), 2000);
</script>
</body></html>
"""
TRANSFER_FORM = """<details class="interac" id="interac">
<summary><b>Envoyer un virement</b> · Interac e-Transfer</summary>
<form method="post" action="/interac/send">
<label>Montant ($) <input name="amount" inputmode="decimal" required value="{amount}"></label>
<label>Message <input name="message" value="{message}"></label>
<label>Votre nom <input name="sender" value="Élise Tremblay" required></label>
<label>Langue de l'avis <select name="lang"><option value="fr">Français</option>
<option value="en">English</option></select></label>
<button>Envoyer le virement</button></form>{sent}</details>"""
