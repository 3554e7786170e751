"""The part of Stripe's API that the ``payment_stripe_checkout`` add-on uses, and Checkout's hosted page.

API (https://docs.stripe.com/api), form-encoded requests authenticated with ``Authorization: Bearer <secret key>``,
JSON answers, errors as ``{"error": {"type", "code", "message", "param"}}``, ``Idempotency-Key`` replays:

- ``POST /v1/checkout/sessions``, ``GET /v1/checkout/sessions/<id>`` (``expand[]=payment_intent``,
  ``expand[]=payment_intent.latest_charge``: the charge's ``payment_method_details``),
  ``POST /v1/checkout/sessions/<id>/expire``
- ``GET /v1/payment_intents/<id>``
- ``POST /v1/refunds``, ``GET /v1/refunds/<id>``, ``GET /v1/refunds?payment_intent=...``

Hosted page: ``GET /checkout/<session id>`` shows the amount, a card number input ``cardnumber``, a ``pay`` button
and a ``cancel`` link back to the cancel URL. Test cards: see ``CARDS``. The wallets of ``wallets`` (« enabled on
the Stripe account », Apple Pay and Google Pay by default) show as buttons paying with the 4242 card. A session with
``acss_debit`` in its ``allowed_payment_method_types`` (Canadian pre-authorized debit) also offers a bank account: the
customer accepts the mandate, the session completes unpaid, and the debit settles later (``settle_async_payments``):
see ``BANK_ACCOUNTS``.

Webhooks (https://docs.stripe.com/webhooks): events are queued on the sandbox, each signed when it is sent
(``Stripe-Signature: t=<timestamp>,v1=<HMAC-SHA256 of "t.payload" with the webhook secret>``), and retried by the
demo's delivery loop when Odoo does not answer 2xx.

Failure injection for tests: ``outage`` (an HTTP status answered to every API call), ``fail(method, path, status,
times)`` (an HTTP status answered to the next calls of one route only), ``latency`` (seconds to wait before answering
an API call). Helpers for tests: ``pay(session_id, card)`` (what the hosted page does),
``settle_async_payments()`` (the demo runs it on a timer), ``expire(session_id)``, ``refund(payment_intent_id,
amount)`` (a refund from Stripe's dashboard), ``fail_refund(refund_id)`` (a refund failing afterwards),
``send_webhooks = False`` (only record ``events``, to post them in another order), ``send_event(event)`` (deliver
an event again), ``reset()``.
"""

import hashlib
import hmac
import html
import json
import logging
import re
import secrets
import threading
import time

from . import contracts
from .core import Callback, Response

_logger = logging.getLogger(__name__)

DEMO_SECRET_KEY = "sk_test_" + "facture4payer".ljust(40, "0")
DEMO_WEBHOOK_SECRET = "whsec_" + "facture4payer".ljust(32, "0")
API_VERSION = "2026-10-28.endive"
WEBHOOK_PATH = "/payment/stripe_checkout/webhook"

CARD_SUCCESS = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_ASYNC_SUCCESS = "4000000000003220"
CARD_ASYNC_FAILURE = "4000000000000341"
CARDS = {
    CARD_SUCCESS: "paid",  # paid at once
    CARD_DECLINED: "declined",  # refused on the page, the session stays open
    CARD_ASYNC_SUCCESS: "async_success",  # completed unpaid, then async_payment_succeeded
    CARD_ASYNC_FAILURE: "async_failure",  # completed unpaid, then async_payment_failed
}
CARD_BRANDS = {"4": "visa", "5": "mastercard", "3": "amex"}
# https://docs.stripe.com/payments/acss-debit/accept-a-payment#test-integration (institution 000, transit 11000)
BANK_SUCCESS = "000123456789"
BANK_FAILURE = "900123456789"
BANK_ACCOUNTS = {
    BANK_SUCCESS: "async_success",  # the debit succeeds a few days later (here: a few seconds)
    BANK_FAILURE: "async_failure",  # the debit fails a few days later
}
# https://docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL = {
    "bif",
    "clp",
    "djf",
    "gnf",
    "jpy",
    "kmf",
    "krw",
    "mga",
    "pyg",
    "rwf",
    "ugx",
    "vnd",
    "vuv",
    "xaf",
    "xof",
    "xpf",
}
WALLET_NAMES = {"apple_pay": "Apple Pay", "google_pay": "Google Pay"}
SESSION_PATH_RE = re.compile(r"^/v1/checkout/sessions/(?P<id>cs_test_\w+)(?P<expire>/expire)?$")
CHECKOUT_PAGE_RE = re.compile(r"^/checkout/(?P<id>cs_test_\w+)(?P<pay>/pay)?$")


def stripe_signature(secret, payload, timestamp=None):
    timestamp = int(time.time() if timestamp is None else timestamp)
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def decode_form(pairs):
    """Stripe's nested form encoding (``a[b][0][c]=v``) back to dicts and lists."""
    root = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "[]":
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_listify(node[key]) for key in sorted(node, key=int)]
    return {key: _listify(value) for key, value in node.items()}


def _error(status, message, error_type="invalid_request_error", code=None, param=None):
    error = {"type": error_type, "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return Response.json({"error": error}, status)


def _new_id(prefix, length=24):
    return prefix + secrets.token_hex(length)[:length]


class StripeWebhook(Callback):
    """A webhook event, signed at each sending like Stripe does (a retry carries a fresh timestamp)."""

    def __init__(self, url, event, secret, **kwargs):
        super().__init__(url, body=json.dumps(event, indent=2), **kwargs)
        self.event = event
        self.secret = secret

    def send(self, timeout=10, cookies=None):
        self.headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": stripe_signature(self.secret, self.body),
        }
        return super().send(timeout=timeout, cookies=cookies)


class StripeEmulator:
    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.secret_key = DEMO_SECRET_KEY
        self.webhook_secret = DEMO_WEBHOOK_SECRET
        self.sessions = {}
        self.payment_intents = {}
        self.charges = {}
        self.refunds = {}
        self.events = []
        self.requests = []
        # What departed from Stripe's API description (``fap_sandbox.contracts``): the tests require none.
        self.contract_violations = []
        self._idempotency = {}
        self._settlements = []
        self.outage = None
        self._failures = []
        self.latency = 0
        # False: events are only recorded (``events``), for a test that posts them itself in its own order.
        self.send_webhooks = True
        # The wallets enabled on the Stripe account: Checkout shows them beside the card form.
        self.wallets = ("apple_pay", "google_pay")
        self._lock = threading.RLock()

    def reset(self):
        """Forget every object, event and idempotency key (a test's database rollback forgets them too)."""
        with self._lock:
            for store in (self.sessions, self.payment_intents, self.charges, self.refunds, self._idempotency):
                store.clear()
            self.events.clear()
            self.requests.clear()
            self.contract_violations.clear()
            self._settlements.clear()
            self._failures.clear()
            self.outage = None
            self.latency = 0
            self.send_webhooks = True
            self.wallets = ("apple_pay", "google_pay")

    def fail(self, method, path_pattern, status=503, times=1):
        """Answer the next ``times`` calls of ``method`` on a path matching ``path_pattern`` (a regular
        expression, e.g. ``r"/v1/checkout/sessions/\\w+/expire"``) with an error of that HTTP status."""
        with self._lock:
            self._failures.append({"method": method, "path": re.compile(path_pattern), "status": status, "left": times})

    def _injected_failure(self, method, path):
        with self._lock:
            for failure in self._failures:
                if failure["left"] > 0 and failure["method"] == method and failure["path"].fullmatch(path):
                    failure["left"] -= 1
                    return _error(failure["status"], "Stripe is temporarily unavailable.", "api_error")
        return None

    @property
    def webhook_url(self):
        return self.sandbox.odoo_url and self.sandbox.odoo_url.rstrip("/") + WEBHOOK_PATH

    # -- HTTP ------------------------------------------------------------------------------------
    def handle(self, request, path):
        page = CHECKOUT_PAGE_RE.match(path)
        if page:
            return self._checkout_page(request, page)
        self.requests.append(request)
        response = self._api(request, path)
        response.delay = self.latency
        self._check_contract(request, path, response)
        return response

    def _check_contract(self, request, path, response):
        """Hold the request and the answer to Stripe's description of the call (``fap_sandbox.contracts``)."""
        pairs = request.form if request.method == "POST" else request.query.items()
        violations = contracts.check_stripe_request(request.method, path, decode_form(pairs))
        if response.body and not violations:
            answer = json.loads(response.body)
            violations = contracts.check_stripe_response(request.method, path, response.status, answer)
        self._violate(violations)

    def _violate(self, violations):
        for violation in violations:
            _logger.warning("sandbox: Stripe's API description says otherwise: %s", violation)
        self.contract_violations += violations

    def _api(self, request, path):
        if self.outage:
            return _error(self.outage, "Stripe is temporarily unavailable.", "api_error")
        if failure := self._injected_failure(request.method, path):
            return failure
        header = request.headers.get("Authorization") or ""
        if not hmac.compare_digest(header, f"Bearer {self.secret_key}"):
            shown = header[7:][:8] + "*" * 4 if header.startswith("Bearer ") else ""
            return _error(401, f"Invalid API Key provided: {shown}")
        params = decode_form(request.form) if request.method == "POST" else decode_form(request.query.items())
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key:
            with self._lock:
                replay = self._idempotency.get(key)
                if replay:
                    if replay[0] != (path, params):
                        return _error(
                            400,
                            "Keys for idempotent requests can only be used with the same parameters they were first "
                            "used with.",
                            "idempotency_error",
                        )
                    return Response(replay[1], replay[2], headers={"Idempotent-Replayed": "true"})
                response = self._route(request.method, path, params)
                if response.status < 500:
                    self._idempotency[key] = ((path, params), response.status, response.body)
                return response
        return self._route(request.method, path, params)

    def _route(self, method, path, params):
        if path == "/v1/checkout/sessions" and method == "POST":
            return self._create_session(params)
        match = SESSION_PATH_RE.match(path)
        if match:
            session = self.sessions.get(match["id"])
            if not session:
                return _error(404, f"No such checkout.session: '{match['id']}'", code="resource_missing", param="id")
            if match["expire"] and method == "POST":
                return self._expire_session(session)
            if not match["expire"] and method == "GET":
                return Response.json(self._session_resource(session, params.get("expand") or []))
        match = re.fullmatch(r"/v1/payment_intents/(pi_\w+)", path)
        if match and method == "GET":
            intent = self.payment_intents.get(match[1])
            if not intent:
                return _error(404, f"No such payment_intent: '{match[1]}'", code="resource_missing", param="id")
            return Response.json({key: value for key, value in intent.items() if key != "method_details"})
        if path == "/v1/refunds" and method == "POST":
            return self._create_refund(params)
        if path == "/v1/refunds" and method == "GET":
            refunds = [r for r in self.refunds.values() if r["payment_intent"] == params.get("payment_intent")]
            refunds.sort(key=lambda r: r["created"], reverse=True)
            return Response.json({"object": "list", "data": refunds, "has_more": False, "url": "/v1/refunds"})
        match = re.fullmatch(r"/v1/refunds/(re_\w+)", path)
        if match and method == "GET" and match[1] in self.refunds:
            return Response.json(self.refunds[match[1]])
        return _error(404, f"Unrecognized request URL ({method}: {path}).")

    # -- Checkout Sessions (https://docs.stripe.com/api/checkout/sessions) -------------------------
    def _create_session(self, params):
        if params.get("mode") != "payment":
            return _error(400, "You must provide a `mode` of `payment`.", param="mode")
        for name in ("success_url", "cancel_url"):
            if not re.match(r"^https?://", params.get(name) or ""):
                return _error(400, f"Not a valid URL: {name}", code="url_invalid", param=name)
        lines = params.get("line_items") or []
        if not lines:
            return _error(400, "line_items is required in payment mode.", param="line_items")
        currencies, total = set(), 0
        for i, line in enumerate(lines):
            price = line.get("price_data") or {}
            try:
                unit_amount, quantity = int(price.get("unit_amount")), int(line.get("quantity") or 1)
            except (TypeError, ValueError):
                return _error(
                    400,
                    "Invalid integer: unit_amount",
                    code="parameter_invalid_integer",
                    param=f"line_items[{i}][price_data][unit_amount]",
                )
            if unit_amount < 0 or not price.get("currency") or not (price.get("product_data") or {}).get("name"):
                return _error(
                    400,
                    "Missing required param: line_items[0][price_data].",
                    code="parameter_missing",
                    param=f"line_items[{i}][price_data]",
                )
            currencies.add(price["currency"].lower())
            total += unit_amount * quantity
        if len(currencies) > 1:
            return _error(400, "All line items must use the same currency.", param="line_items")
        currency = currencies.pop()
        minimum = 50 if currency not in ZERO_DECIMAL else 1
        if total < minimum:
            return _error(
                400,
                "The Checkout Session's total amount due must add up to at least $0.50 usd",
                code="amount_too_small",
                param="line_items",
            )
        now = int(time.time())
        expires_at = int(params.get("expires_at") or now + 24 * 3600)
        if not now + 30 * 60 - 5 <= expires_at <= now + 24 * 3600 + 5:
            return _error(
                400,
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from now.",
                code="parameter_invalid_integer",
                param="expires_at",
            )
        session_id = "cs_test_" + secrets.token_urlsafe(44).replace("-", "A").replace("_", "b")[:58]
        session = {
            "id": session_id,
            "object": "checkout.session",
            "allowed_payment_method_types": params.get("allowed_payment_method_types"),
            "amount_subtotal": total,
            "amount_total": total,
            "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
            "cancel_url": params["cancel_url"],
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": currency,
            "custom_fields": [],
            "custom_text": {
                "after_submit": None,
                "shipping_address": None,
                "submit": None,
                "terms_of_service_acceptance": None,
            },
            "customer": None,
            "customer_details": None,
            "customer_email": params.get("customer_email"),
            "expires_at": expires_at,
            "livemode": False,
            "locale": params.get("locale"),
            "metadata": params.get("metadata") or {},
            "mode": "payment",
            "payment_intent": None,
            # Since 2026-10-28.endive, Checkout takes ``allowed_payment_method_types`` (a filter on the methods
            # enabled on the account) and still answers the methods it offers in ``payment_method_types``.
            "payment_method_types": params.get("allowed_payment_method_types") or ["card"],
            "payment_status": "unpaid",
            "status": "open",
            "shipping_options": [],
            "success_url": params["success_url"],
            "url": f"{self.sandbox.url}/stripe/checkout/{session_id}",
            "line_items_data": lines,
            "payment_intent_data": params.get("payment_intent_data") or {},
            "payment_method_options": params.get("payment_method_options") or {},
        }
        if "acss_debit" in session["payment_method_types"] and (
            currency != "cad" or not (session["payment_method_options"].get("acss_debit") or {}).get("mandate_options")
        ):
            return _error(
                400,
                "acss_debit needs the currency cad and payment_method_options[acss_debit][mandate_options].",
                param="payment_method_options",
            )
        with self._lock:
            self.sessions[session_id] = session
        return Response.json(self._session_resource(session))

    def _session_resource(self, session, expand=()):
        resource = {k: v for k, v in session.items() if k not in ("line_items_data", "payment_intent_data")}
        if resource["status"] != "open":
            resource["url"] = None
        if {"payment_intent", "payment_intent.latest_charge"} & set(expand) and resource["payment_intent"]:
            intent = dict(self.payment_intents[resource["payment_intent"]])
            intent.pop("method_details", None)
            if "payment_intent.latest_charge" in expand and intent["latest_charge"]:
                intent["latest_charge"] = self.charges[intent["latest_charge"]]
            resource["payment_intent"] = intent
        return resource

    def _expire_session(self, session):
        if session["status"] != "open":
            return _error(
                400,
                f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a '
                f'status of "{session["status"]}".',
            )
        session["status"] = "expired"
        self.emit("checkout.session.expired", self._session_resource(session))
        return Response.json(self._session_resource(session))

    def expire(self, session_id):
        """Let a session's time run out, as Stripe does at ``expires_at``."""
        return self._expire_session(self.sessions[session_id])

    # -- the hosted page -------------------------------------------------------------------------
    def _checkout_page(self, request, match):
        session = self.sessions.get(match["id"])
        if not session:
            return Response(
                404,
                self._page("Page not found", "<p>This Checkout page does not exist.</p>"),
                "text/html; charset=utf-8",
            )
        if session["status"] != "open":
            return Response(
                200,
                self._page(
                    "Session closed",
                    "<p>This payment session is no longer available.</p>"
                    f'<a name="cancel" href="{html.escape(session["cancel_url"])}">Back</a>',
                ),
                "text/html; charset=utf-8",
            )
        message = ""
        pad = "acss_debit" in session["payment_method_types"]
        if match["pay"] and request.method == "POST":
            form = dict(request.form)
            if form.get("wallet") in self.wallets:
                self.pay(session["id"], CARD_SUCCESS, wallet=form["wallet"])
                return Response.redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]))
            if pad and "account" in form:
                account = re.sub(r"\D", "", form.get("account", ""))
                if account in BANK_ACCOUNTS and form.get("mandate"):
                    self.pay(session["id"], bank_account=account)
                    return Response.redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]))
                message = "Accept the mandate." if account in BANK_ACCOUNTS else "Your account number is invalid."
            else:
                card = re.sub(r"\D", "", form.get("cardnumber", ""))
                outcome = CARDS.get(card)
                if outcome and outcome != "declined":
                    self.pay(session["id"], card)
                    return Response.redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]))
                message = "Your card was declined." if outcome == "declined" else "Your card number is invalid."
                self._record_failed_attempt(session, card, message)
        amount = self._format_amount(session["amount_total"], session["currency"])
        name = session["line_items_data"][0]["price_data"]["product_data"]["name"]
        body = (
            f'<p class="amount">{html.escape(name)}</p><p><b class="amount_total">{amount}</b></p>'
            + (f'<p class="error" role="alert">{html.escape(message)}</p>' if message else "")
            + f'<form method="post" action="/stripe/checkout/{session["id"]}/pay">'
            '<label>Card number <input name="cardnumber" inputmode="numeric" autocomplete="cc-number" '
            'placeholder="4242 4242 4242 4242"/></label> '
            f'<button type="submit" name="pay">Pay {amount}</button></form>'
            + "".join(
                f'<form method="post" action="/stripe/checkout/{session["id"]}/pay"><button type="submit" '
                f'name="wallet" value="{wallet}">{WALLET_NAMES[wallet]}</button></form>'
                for wallet in self.wallets
            )
            + (
                f'<form method="post" action="/stripe/checkout/{session["id"]}/pay" name="acss_debit">'
                "<h2>Bank account (pre-authorized debit)</h2>"
                '<label>Institution <input name="institution" inputmode="numeric" value="000"/></label> '
                '<label>Transit <input name="transit" inputmode="numeric" value="11000"/></label> '
                '<label>Account <input name="account" inputmode="numeric" placeholder="000123456789"/></label> '
                '<label><input type="checkbox" name="mandate" value="1"/> I authorize this pre-authorized debit '
                "(sporadic, personal) under the Payments Canada rules.</label> "
                f'<button type="submit" name="pay_pad">Debit {amount}</button></form>'
                if pad
                else ""
            )
            + f'<p><a name="cancel" href="{html.escape(session["cancel_url"])}">Cancel and go back</a></p>'
            "<p><small>Sandbox test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined, "
            "4000 0000 0000 3220 succeeds a little later, 4000 0000 0000 0341 fails a little later."
            + (
                " Bank accounts: 000123456789 is debited a little later, 900123456789 fails a little later."
                if pad
                else ""
            )
            + "</small></p>"
        )
        return Response(200, self._page(f"Pay {amount}", body), "text/html; charset=utf-8")

    @staticmethod
    def _format_amount(minor, currency):
        if currency in ZERO_DECIMAL:
            return f"{minor} {currency.upper()}"
        return f"{minor / 100:.2f} {currency.upper()}"

    @staticmethod
    def _page(title, body):
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><meta name='viewport' "
            f"content='width=device-width, initial-scale=1'><title>{html.escape(title)} · Sandbox Checkout</title>"
            "<style>body{font-family:sans-serif;max-width:28em;margin:2em auto;padding:1em}"
            ".error{color:#b00}input{font-size:1.2em;width:100%;margin:.5em 0}button{font-size:1.2em}</style>"
            f"</head><body><h1>Sandbox Checkout</h1>{body}</body></html>"
        )

    # -- payments ----------------------------------------------------------------------------------
    @staticmethod
    def _method_details(card=None, wallet=None, bank_account=None):
        """The charge's ``payment_method_details`` (https://docs.stripe.com/api/charges/object)."""
        if bank_account:
            return {
                "type": "acss_debit",
                "acss_debit": {
                    "bank_name": "STRIPE TEST BANK",
                    "institution_number": "000",
                    "transit_number": "11000",
                    "last4": bank_account[-4:],
                    "mandate": _new_id("mandate_"),
                },
            }
        return {
            "type": "card",
            "card": {
                "brand": CARD_BRANDS.get(card[:1], "unknown"),
                # Stripe's test cards take any date in the future.
                "exp_month": 12,
                "exp_year": time.gmtime().tm_year + 3,
                "last4": card[-4:],
                "wallet": {"dynamic_last4": None, "type": wallet, wallet: {}} if wallet else None,
            },
        }

    def _new_intent(self, session, card, status, method_details=None):
        now = int(time.time())
        intent = {
            "id": _new_id("pi_"),
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_capturable": 0,
            "amount_received": 0,
            "capture_method": "automatic_async",
            "confirmation_method": "automatic",
            "currency": session["currency"],
            "created": now,
            "description": (session["payment_intent_data"] or {}).get("description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": (session["payment_intent_data"] or {}).get("metadata") or {},
            "payment_method": _new_id("pm_"),
            "payment_method_types": session["payment_method_types"],
            "status": status,
            "method_details": method_details or self._method_details(card),
        }
        self.payment_intents[intent["id"]] = intent
        session["payment_intent"] = intent["id"]
        session["customer_details"] = {"email": session["customer_email"], "name": None}
        return intent

    def _charge(self, intent):
        charge = {
            "id": _new_id("ch_"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"],
            "amount_refunded": 0,
            "billing_details": {
                "address": None,
                "email": (self._session_of(intent) or {}).get("customer_email"),
                "name": None,
                "phone": None,
                "tax_id": None,
            },
            "captured": True,
            "created": int(time.time()),
            "currency": intent["currency"],
            "disputed": False,
            "livemode": False,
            "metadata": intent["metadata"],
            "paid": True,
            "payment_intent": intent["id"],
            "payment_method_details": intent["method_details"],
            "refunded": False,
            "status": "succeeded",
        }
        self.charges[charge["id"]] = charge
        intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=charge["id"])
        return charge

    def _session_of(self, intent):
        return next((s for s in self.sessions.values() if s["payment_intent"] == intent["id"]), None)

    def _record_failed_attempt(self, session, card, message):
        if card not in CARDS:
            return
        intent = self.payment_intents.get(session["payment_intent"]) or self._new_intent(
            session, card, "requires_payment_method"
        )
        intent["last_payment_error"] = {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "generic_decline",
            "message": message,
        }

    def pay(self, session_id, card=CARD_SUCCESS, wallet=None, bank_account=None):
        """What the hosted page does when the customer submits a card (or a wallet, or a bank account with its
        mandate) that Stripe accepts."""
        with self._lock:
            session = self.sessions[session_id]
            outcome = BANK_ACCOUNTS[bank_account] if bank_account else CARDS[card]
            details = self._method_details(card, wallet, bank_account)
            intent = self.payment_intents.get(session["payment_intent"]) or self._new_intent(
                session, card, "processing", details
            )
            intent.update(status="processing", last_payment_error=None, method_details=details)
            session["status"] = "complete"
            if outcome == "paid":
                self._charge(intent)
                session["payment_status"] = "paid"
            self.emit("checkout.session.completed", self._session_resource(session))
            if outcome in ("async_success", "async_failure"):
                delay = time.time() + 2 * self.sandbox.delay
                self._queue_async_result(session, outcome == "async_success", delay)
        return self._session_resource(session)

    def _queue_async_result(self, session, success, not_before):
        """Settle an asynchronous payment; the event leaves once the completion event was delivered."""

        def settle():
            intent = self.payment_intents[session["payment_intent"]]
            if success:
                self._charge(intent)
                session["payment_status"] = "paid"
                return "checkout.session.async_payment_succeeded"
            intent.update(
                status="requires_payment_method",
                last_payment_error={
                    "type": "card_error",
                    "code": "payment_method_provider_decline",
                    "message": "The payment was declined by the customer's bank.",
                },
            )
            return "checkout.session.async_payment_failed"

        self._settlements.append((session["id"], settle))
        if self.sandbox.auto_deliver:
            timer = threading.Timer(max(0.0, not_before - time.time()), self.settle_async_payments)
            timer.daemon = True
            timer.start()

    def settle_async_payments(self):
        """Settle the asynchronous payments now (tests call it; the demo runs it on a timer)."""
        with self._lock:
            settlements, self._settlements = self._settlements, []
            for session_id, settle in settlements:
                event_type = settle()
                self.emit(event_type, self._session_resource(self.sessions[session_id]))

    # -- refunds (https://docs.stripe.com/api/refunds) -----------------------------------------------
    def _create_refund(self, params):
        intent = self.payment_intents.get(params.get("payment_intent") or "")
        if not intent:
            return _error(
                404,
                f"No such payment_intent: '{params.get('payment_intent')}'",
                code="resource_missing",
                param="payment_intent",
            )
        charge = self.charges.get(intent["latest_charge"] or "")
        if not charge:
            return _error(
                400,
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                code="charge_not_refundable",
                param="payment_intent",
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            return _error(400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
        amount = int(params.get("amount") or remaining)
        if amount <= 0 or amount > remaining:
            return _error(
                400,
                f"Refund amount ({self._format_amount(amount, charge['currency'])}) is greater than unrefunded amount "
                f"on charge ({self._format_amount(remaining, charge['currency'])})",
                param="amount",
            )
        reason = params.get("reason")
        if reason not in (None, "duplicate", "fraudulent", "requested_by_customer"):
            return _error(
                400, "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer", param="reason"
            )
        return Response.json(self.refund(intent["id"], amount, metadata=params.get("metadata") or {}, reason=reason))

    def refund(self, payment_intent_id, amount=None, metadata=None, reason=None):
        """Refund a payment (also what a refund from Stripe's dashboard does)."""
        with self._lock:
            intent = self.payment_intents[payment_intent_id]
            charge = self.charges[intent["latest_charge"]]
            amount = amount or charge["amount"] - charge["amount_refunded"]
            refund = {
                "id": _new_id("re_"),
                "object": "refund",
                "amount": amount,
                "charge": charge["id"],
                "created": int(time.time()),
                "currency": charge["currency"],
                "metadata": metadata or {},
                "payment_intent": intent["id"],
                "reason": reason,
                "status": "succeeded",
            }
            self.refunds[refund["id"]] = refund
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            self.emit("charge.refunded", dict(charge))
        return refund

    def fail_refund(self, refund_id):
        """A refund that fails after it succeeded (the customer's card was closed): money back on the balance."""
        with self._lock:
            refund = self.refunds[refund_id]
            charge = self.charges[refund["charge"]]
            refund.update(status="failed", failure_reason="expired_or_canceled_card")
            charge["amount_refunded"] -= refund["amount"]
            charge["refunded"] = False
            self.emit("charge.refund.updated", dict(refund))
        return refund

    # -- events (https://docs.stripe.com/api/events/object) ------------------------------------------
    def emit(self, event_type, data_object):
        event = {
            "id": _new_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": {"object": json.loads(json.dumps(data_object))},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        self.events.append(event)
        self._violate(contracts.check_stripe_event(event))
        if self.send_webhooks:
            self.send_event(event)
        return event

    def send_event(self, event, not_before=None):
        """Queue the delivery of an event to Odoo's webhook (again, for a duplicate)."""
        if not self.webhook_url:
            return
        self.sandbox.queue(
            StripeWebhook(
                self.webhook_url,
                event,
                self.webhook_secret,
                not_before=time.time() + self.sandbox.delay if not_before is None else not_before,
            )
        )

    def find_events(self, event_type=None):
        return [e for e in self.events if event_type is None or e["type"] == event_type]
