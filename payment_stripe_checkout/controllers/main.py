import stripe
from werkzeug.exceptions import BadRequest, Forbidden

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request
from odoo.tools import consteq

from odoo.addons.payment.logging import get_payment_logger

from .. import const, utils

_logger = get_payment_logger(__name__, const.SENSITIVE_KEYS)


class StripeCheckoutController(http.Controller):
    _return_url = "/payment/stripe_checkout/return"
    _cancel_url = "/payment/stripe_checkout/cancel"
    _webhook_url = "/payment/stripe_checkout/webhook"

    @http.route(_return_url, type="http", auth="public", methods=["GET"], save_session=False)
    def stripe_checkout_return(self, reference=None, access_token=None, **kwargs):
        """Process the payment when the customer comes back from Checkout.

        The query only says which transaction to look at; its state is read back from Stripe.
        The route is flagged with `save_session=False` for the same reason as Mollie's return route:
        the session is retrieved on `/payment/status`.
        """
        tx_sudo = self._get_transaction(reference, access_token)
        try:
            session = tx_sudo._stripe_checkout_fetch_session()
        except ValidationError:
            # Stripe is unreachable: the transaction keeps its state and the webhook settles it.
            _logger.warning("Could not read the Checkout Session of %s on the customer's return.", tx_sudo.reference)
        else:
            self._process_session(tx_sudo, session, read_back=True)
        return request.redirect("/payment/status")

    @http.route(_cancel_url, type="http", auth="public", methods=["GET"], save_session=False)
    def stripe_checkout_cancel(self, reference=None, access_token=None, **kwargs):
        """Expire the Checkout Session the customer left, so that it cannot be paid any more."""
        tx_sudo = self._get_transaction(reference, access_token)
        provider_sudo = tx_sudo.provider_id
        session = None
        if tx_sudo.state == "draft":
            try:
                session = provider_sudo._stripe_checkout_call(
                    "checkout.sessions.expire", tx_sudo.provider_reference, reference=tx_sudo.reference
                )
            except ValidationError as error:
                # Paid meanwhile (in another tab) or Stripe unreachable: read the session back.
                _logger.info("Could not expire the Checkout Session of %s: %s", tx_sudo.reference, error)
        if session is None:
            try:
                session = tx_sudo._stripe_checkout_fetch_session()
            except ValidationError:
                _logger.warning("Could not read the Checkout Session of %s on cancellation.", tx_sudo.reference)
        if session:
            self._process_session(tx_sudo, session, read_back=True)
        return request.redirect("/payment/status")

    @http.route(_webhook_url, type="http", auth="public", methods=["POST"], csrf=False)
    def stripe_checkout_webhook(self):
        """Process an event sent by Stripe, once its signature is verified on the raw body.

        A Checkout Session's event only says which transaction to look at: unless the transaction is
        already done, the session is read back from Stripe and the transaction settled from it.

        :return: A JSON acknowledgement; 403 for an unverified event, 400 for a malformed one, 503 when
                 Stripe must retry.
        """
        providers_sudo, event = self._verify_event(
            request.httprequest.get_data(), request.httprequest.headers.get("Stripe-Signature")
        )
        stripe_object = self._check_event_shape(event)
        # Only ids: the event carries the customer's name, email and address.
        _logger.info(
            "Stripe event %s (%s) received for %s %s.",
            event["id"],
            event["type"],
            stripe_object.get("object"),
            stripe_object.get("id"),
        )
        if event["type"] not in const.HANDLED_WEBHOOK_EVENTS:
            return request.make_json_response({"received": True})

        tx_model = request.env["payment.transaction"].sudo()
        try:
            if event["type"] == "charge.refunded":
                tx_sudo = tx_model.search(
                    [
                        ("stripe_checkout_payment_intent", "=", stripe_object.get("payment_intent") or False),
                        ("provider_id", "in", providers_sudo.ids),
                        ("operation", "!=", "refund"),
                    ],
                    limit=1,
                )
                if tx_sudo:
                    refunds = tx_sudo.provider_id._stripe_checkout_call(
                        "refunds.list", {"payment_intent": tx_sudo.stripe_checkout_payment_intent, "limit": 100}
                    )
                    tx_sudo._stripe_checkout_process_refunds(refunds["data"])
            elif event["type"] == "charge.refund.updated":
                refund_tx_sudo = tx_model.search(
                    [
                        ("stripe_checkout_refund_id", "=", stripe_object["id"]),
                        ("provider_id", "in", providers_sudo.ids),
                    ],
                    limit=1,
                )
                if refund_tx_sudo:
                    refund_tx_sudo._stripe_checkout_lock()
                    refund_tx_sudo._process(
                        "stripe_checkout", {"reference": refund_tx_sudo.reference, "refund": stripe_object}
                    )
            elif isinstance(reference := stripe_object.get("client_reference_id"), str):
                tx_sudo = tx_model._search_by_reference("stripe_checkout", {"reference": reference})
                if tx_sudo and tx_sudo.provider_id in providers_sudo and tx_sudo.state != "done":
                    session = tx_sudo._stripe_checkout_fetch_session()
                    self._process_session(tx_sudo, session, event_type=event["type"], read_back=True)
        except ValidationError:
            _logger.exception("Could not process Stripe event %s; Stripe will send it again.", event["id"])
            return request.make_json_response({"received": False}, status=503)
        return request.make_json_response({"received": True})

    @staticmethod
    def _get_transaction(reference, access_token):
        """Return the transaction of a return or cancel URL, if its access token matches."""
        tx_sudo = (
            request.env["payment.transaction"].sudo()._search_by_reference("stripe_checkout", {"reference": reference})
        )
        # Compared as bytes: a token with non-ASCII characters is a wrong token, not an error.
        if not (
            tx_sudo
            and isinstance(access_token, str)
            and consteq(access_token.encode(), tx_sudo._stripe_checkout_access_token().encode())
        ):
            raise Forbidden()
        return tx_sudo

    @staticmethod
    def _check_event_shape(event):
        """Return the event's object; a signed body without the fields of an event is refused with 400."""
        data = event.get("data") if isinstance(event, dict) else None
        stripe_object = data.get("object") if isinstance(data, dict) else None
        if not (
            isinstance(stripe_object, dict)
            and isinstance(event.get("id"), str)
            and isinstance(event.get("type"), str)
            and isinstance(stripe_object.get("id", ""), str)
        ):
            _logger.warning("Refused a signed Stripe event that is not shaped as an event.")
            raise BadRequest()
        return stripe_object

    @staticmethod
    def _process_session(tx_sudo, session, event_type=None, read_back=False):
        tx_sudo._stripe_checkout_lock()
        tx_sudo._process(
            "stripe_checkout",
            {"reference": tx_sudo.reference, "session": session, "event_type": event_type, "read_back": read_back},
        )

    @staticmethod
    def _verify_event(payload, signature):
        """Check the signature of an event with the webhook secret of each Stripe Checkout provider.

        Unlike Odoo's Stripe module, a provider without a webhook secret refuses every event.

        :param bytes payload: The raw body of the request.
        :param str signature: The `Stripe-Signature` header.
        :return: The providers sharing the secret that signed the event (one per company when a
                 Stripe account serves several), and the event.
        :rtype: tuple(payment.provider, dict)
        :raise Forbidden: If no configured secret verifies the signature, or it is too old.
        :raise BadRequest: If the signed body is not a Stripe event, or not even text.
        """
        try:
            # Stripe signs UTF-8 JSON; the SDK would fail decoding anything else before checking the signature.
            payload.decode()
        except UnicodeDecodeError:
            _logger.warning("Refused a Stripe event whose body is not UTF-8.")
            raise BadRequest() from None
        providers_sudo = (
            request.env["payment.provider"]
            .sudo()
            .search([("code", "=", "stripe_checkout"), ("state", "!=", "disabled")])
        )
        secrets = {utils.get_webhook_secret(p) for p in providers_sudo} - {False, None, ""}
        reason = "no webhook signing secret is configured"
        for secret in secrets:
            try:
                stripe.WebhookSignature.verify_header(payload, signature, secret, const.WEBHOOK_TOLERANCE)
            except stripe.SignatureVerificationError as error:
                reason = error
                continue
            try:
                event = stripe.Webhook.construct_event(payload, signature, secret, const.WEBHOOK_TOLERANCE).to_dict()
            except (ValueError, TypeError, AttributeError) as error:  # Signed, but not an event.
                _logger.warning("Refused a signed Stripe event that is not an event: %s", error)
                raise BadRequest() from error
            return providers_sudo.filtered(lambda p, s=secret: utils.get_webhook_secret(p) == s), event
        _logger.warning("Refused a Stripe event: %s", reason)
        raise Forbidden()
