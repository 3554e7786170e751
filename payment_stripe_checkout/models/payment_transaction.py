import time

import stripe
from werkzeug.urls import url_encode

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, hmac
from odoo.tools.urls import urljoin

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment.logging import get_payment_logger

from .. import const, utils
from ..controllers.main import StripeCheckoutController

_logger = get_payment_logger(__name__, const.SENSITIVE_KEYS)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    stripe_checkout_payment_intent = fields.Char(
        string="Stripe Payment Intent", readonly=True, copy=False, index="btree_not_null"
    )
    stripe_checkout_refund_id = fields.Char(string="Stripe Refund", readonly=True, copy=False)
    stripe_checkout_payment_details = fields.Char(
        string="Paid with", readonly=True, copy=False, help="The card or bank account, as Stripe reports it."
    )

    # A Stripe refund is recorded once, whoever (the refund request, a webhook) records it first.
    _stripe_checkout_refund_id_unique = models.Constraint(
        "UNIQUE(stripe_checkout_refund_id)", "This Stripe refund is already recorded."
    )

    # === BUSINESS METHODS - PAYMENT FLOW === #

    def _get_specific_rendering_values(self, processing_values):
        """Override of `payment` to create the Checkout Session and redirect the customer to it.

        Note: `self.ensure_one()` from `_get_processing_values`
        """
        if self.provider_code != "stripe_checkout":
            return super()._get_specific_rendering_values(processing_values)

        # One open session per document: a second tab or the Back button must not leave two payable pages.
        siblings = self._stripe_checkout_close_sibling_sessions()
        if siblings.filtered(lambda tx: tx.state in ("pending", "authorized", "done")):
            self._set_error(
                self.env._("This payment was already made a moment ago, in another window. Reload the page to see it.")
            )
            return {}
        try:
            session = self.provider_id._stripe_checkout_call(
                "checkout.sessions.create",
                self._stripe_checkout_prepare_session_params(),
                options={"idempotency_key": payment_utils.generate_idempotency_key(self, scope="checkout_session")},
                reference=self.reference,
            )
        except ValidationError as error:
            self._set_error(str(error))
            return {}
        # The session id is what the return route and the webhook read the payment back with.
        self.provider_reference = session["id"]
        return {"api_url": session["url"]}

    def _stripe_checkout_prepare_session_params(self):
        """Return the parameters of the Checkout Session of the transaction.

        See https://docs.stripe.com/api/checkout/sessions/create.
        """
        base_url = self.provider_id.get_base_url()
        query = url_encode({"reference": self.reference, "access_token": self._stripe_checkout_access_token()})
        metadata = {"reference": self.reference}
        return {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": self.currency_id.name.lower(),
                        "unit_amount": payment_utils.to_minor_currency_units(self.amount, self.currency_id),
                        "product_data": {"name": self._stripe_checkout_get_line_name()},
                    },
                    "quantity": 1,
                }
            ],
            "client_reference_id": self.reference,
            "metadata": metadata,
            "payment_intent_data": {"description": self.reference, "metadata": metadata},
            "customer_email": self.partner_email or None,
            "locale": utils.get_locale(self.partner_lang),
            "success_url": urljoin(base_url, f"{StripeCheckoutController._return_url}?{query}"),
            "cancel_url": urljoin(base_url, f"{StripeCheckoutController._cancel_url}?{query}"),
            "expires_at": int(time.time()) + const.SESSION_LIFETIME_MINUTES * 60,
            **self._stripe_checkout_get_method_params(),
        }

    def _stripe_checkout_get_method_params(self):
        """Return the session's payment methods. The customer chooses on Checkout: the cards (with the wallets)
        and, when the provider has it for the currency, pre-authorized debit; a transaction made for
        pre-authorized debit (from the back office) offers only it."""
        if self.payment_method_id.code == "acss_debit":
            method_types = ["acss_debit"]
        elif self.provider_id.payment_method_ids.filtered(
            lambda pm: pm.code == "acss_debit" and self.currency_id in pm.supported_currency_ids
        ):
            method_types = ["card", "acss_debit"]
        else:
            return {}  # Checkout's cards and wallets, by default.
        return {
            # API 2026-10-28.endive (stripe 16.1.0's SessionCreateParams): no `payment_method_types` any more;
            # `allowed_payment_method_types` filters the methods enabled on the Stripe account.
            "allowed_payment_method_types": method_types,
            "payment_method_options": {"acss_debit": const.ACSS_DEBIT_OPTIONS},
        }

    def _stripe_checkout_get_line_name(self):
        """Name the Checkout line after the invoices or orders paid, else the transaction."""
        for field_name in ("invoice_ids", "sale_order_ids"):
            if field_name in self._fields and self[field_name]:
                return ", ".join(self[field_name].mapped("name"))
        return self.reference

    def _stripe_checkout_get_sibling_transactions(self):
        """Return the other payments of the same invoices or orders still waiting on an open Checkout Session."""
        self.ensure_one()
        documents = [
            Domain(field_name, "in", self[field_name].ids)
            for field_name in ("invoice_ids", "sale_order_ids")
            if field_name in self._fields and self[field_name]
        ]
        if not documents:
            return self.browse()
        return self.search(
            Domain.OR(documents)
            & Domain(
                [
                    ("id", "!=", self.id),
                    ("provider_code", "=", "stripe_checkout"),
                    ("operation", "!=", "refund"),
                    ("state", "=", "draft"),
                    ("provider_reference", "!=", False),
                ]
            )
        )

    def _stripe_checkout_close_sibling_sessions(self):
        """Expire the open sessions of the sibling transactions; return the siblings, settled from Stripe.

        A sibling that the customer paid meanwhile cannot be expired: its session is read back and
        processed, so that the caller sees it done (or pending) instead of opening one more page.
        Stripe being unreachable leaves the siblings as they are: a payment landing on one of them
        all the same is a duplicate, which is refunded (see `facture_a_payer`).
        """
        siblings = self._stripe_checkout_get_sibling_transactions()
        for sibling in siblings:
            try:
                session = sibling.provider_id._stripe_checkout_call(
                    "checkout.sessions.expire", sibling.provider_reference, reference=sibling.reference
                )
            except ValidationError:
                try:
                    session = sibling._stripe_checkout_fetch_session()
                except ValidationError:
                    _logger.warning("Could not close the Checkout Session of %s.", sibling.reference)
                    continue
            sibling._stripe_checkout_lock()
            sibling._process("stripe_checkout", {"reference": sibling.reference, "session": session, "read_back": True})
        return siblings

    def _stripe_checkout_access_token(self):
        """Sign the reference in the return and cancel URLs (works outside a request too)."""
        return hmac(self.env(su=True), "payment_stripe_checkout", self.reference)

    def _stripe_checkout_fetch_session(self):
        """Read the transaction's Checkout Session back from Stripe, its payment intent expanded."""
        self.ensure_one()
        return self.provider_id._stripe_checkout_call(
            "checkout.sessions.retrieve",
            self.provider_reference,
            {"expand": ["payment_intent", "payment_intent.latest_charge"]},
            reference=self.reference,
        )

    def _stripe_checkout_lock(self):
        """Wait for the row lock of the transactions before processing them.

        A webhook and the customer's return may process the same transaction at once: the second
        waits here, then either reads the first one's result or is retried by Odoo on the
        serialization failure, so the state changes (and the payment) happen once.
        """
        if self.ids:
            self.env.cr.execute(
                SQL("SELECT id FROM payment_transaction WHERE id IN %s FOR NO KEY UPDATE", tuple(self.ids))
            )
            self.invalidate_recordset(["state"])

    # === BUSINESS METHODS - REFUNDS === #

    def _send_refund_request(self):
        """Override of `payment` to refund the payment on Stripe."""
        if self.provider_code != "stripe_checkout":
            return super()._send_refund_request()

        source_tx = self.source_transaction_id
        params = {
            "payment_intent": source_tx.stripe_checkout_payment_intent,
            "amount": payment_utils.to_minor_currency_units(-self.amount, self.currency_id),
            "metadata": {const.REFUND_METADATA_KEY: self.reference},
        }
        # https://docs.stripe.com/api/refunds/create#create_refund-reason, e.g. "duplicate".
        if reason := self.env.context.get("stripe_checkout_refund_reason"):
            params["reason"] = reason
        try:
            refund = self.provider_id._stripe_checkout_call(
                "refunds.create",
                params,
                options={"idempotency_key": payment_utils.generate_idempotency_key(self, scope="refund")},
                reference=self.reference,
            )
        except ValidationError as error:
            if not isinstance(error.__cause__, stripe.APIConnectionError):
                raise
            # No answer: Stripe may have refunded all the same; its charge.refunded event will tell.
            self._set_pending(state_message=str(error))
            return
        self._process("stripe_checkout", {"reference": self.reference, "refund": refund})

    def _stripe_checkout_process_refunds(self, refunds):
        """Record the refunds of this payment that Odoo does not know yet, and update the others.

        A refund made in Odoo carries its transaction's reference: it updates that transaction (which
        may be in error if Stripe's answer was lost on the way), or is left to the request still making
        it. A refund made in Stripe's dashboard becomes a new refund transaction.

        :param list refunds: Stripe refund objects of the payment.
        :return: None
        """
        self.ensure_one()
        self._stripe_checkout_lock()
        known = self.child_transaction_ids.filtered(lambda tx: tx.operation == "refund")
        for refund in refunds:
            reference = (refund.get("metadata") or {}).get(const.REFUND_METADATA_KEY)
            refund_tx = known.filtered(
                lambda tx, r=refund, ref=reference: tx.stripe_checkout_refund_id == r["id"] or ref == tx.reference
            )
            if not refund_tx and reference:
                continue  # Made in Odoo by a request not committed yet: that request records it.
            if not refund_tx:
                amount = payment_utils.to_major_currency_units(refund["amount"], self.currency_id)
                refund_tx = self._create_child_transaction(amount, is_refund=True)
            refund_tx._process("stripe_checkout", {"reference": refund_tx.reference, "refund": refund})

    # === BUSINESS METHODS - PROCESSING === #

    def _process(self, provider_code, payment_data):
        """Override of `payment` to let Stripe's own word settle a transaction left in error.

        Odoo stops on a transaction in error; an event with a wrong amount (or a failure Stripe later
        recovered from) would then hide the genuine payment for ever. A session read back from Stripe
        (`read_back`) is the source of truth: the transaction is processed again from it, and a
        mismatch in it puts the transaction back in error.
        """
        if provider_code == "stripe_checkout" and self and payment_data.get("read_back") and self.state == "error":
            self.ensure_one()
            if self.operation != "refund":
                self._log_message_on_linked_documents(
                    self.env._(
                        "The payment %(ref)s was in error (%(error)s); it is settled again from Stripe's records.",
                        ref=self._get_html_link(),
                        error=self.state_message or "",
                    )
                )
                self._update_state(("error",), "draft", self.state_message)
        return super()._process(provider_code, payment_data)

    def _validate_amount(self, payment_data):
        """Override of `payment` to report a mismatched payment where people look, not only in the log."""
        was_error = self.state == "error"
        res = super()._validate_amount(payment_data)
        if self.provider_code == "stripe_checkout" and self.state == "error" and not was_error:
            self._stripe_checkout_report_mismatch()
        return res

    def _stripe_checkout_report_mismatch(self):
        """Tell the people following the paid documents that Stripe's amount does not match.

        A hook: `facture_a_payer` also gives the accountant an activity on the invoice.
        """
        self._log_message_on_linked_documents(
            self.env._(
                "The payment %(ref)s was not recorded: %(reason)s Check it in Stripe's dashboard.",
                ref=self._get_html_link(),
                reason=self.state_message,
            )
        )

    @api.model
    def _extract_reference(self, provider_code, payment_data):
        """Override of `payment` to extract the reference from the payment data."""
        if provider_code != "stripe_checkout":
            return super()._extract_reference(provider_code, payment_data)
        return payment_data.get("reference")

    def _extract_amount_data(self, payment_data):
        """Override of `payment` to extract the amount and currency from the payment data."""
        if self.provider_code != "stripe_checkout":
            return super()._extract_amount_data(payment_data)

        if self.operation == "refund":
            amount, currency = payment_data["refund"].get("amount"), payment_data["refund"].get("currency")
        else:
            amount, currency = payment_data["session"].get("amount_total"), payment_data["session"].get("currency")
        return {
            "amount": payment_utils.to_major_currency_units(amount or 0, self.currency_id),
            "currency_code": (currency or "").upper(),
        }

    def _apply_updates(self, payment_data):
        """Override of `payment` to update the transaction from a Checkout Session or a refund."""
        if self.provider_code != "stripe_checkout":
            return super()._apply_updates(payment_data)

        if self.operation == "refund":
            self._stripe_checkout_apply_refund(payment_data["refund"])
            return

        session = payment_data["session"]
        intent = session.get("payment_intent")
        if isinstance(intent, dict):
            intent_id = intent["id"]
        else:
            intent_id, intent = intent, {}
        if intent_id:
            self.stripe_checkout_payment_intent = intent_id
        charge = intent.get("latest_charge")
        if isinstance(charge, dict) and charge.get("payment_method_details"):
            self._stripe_checkout_set_payment_details(charge["payment_method_details"])

        status = (session.get("status"), session.get("payment_status"))
        if payment_data.get("event_type") == "checkout.session.async_payment_failed" or (
            intent.get("status") == "requires_payment_method" and status in const.STATUS_MAPPING["pending"]
        ):
            error = intent.get("last_payment_error") or {}
            self._set_error(
                error.get("message") or self.env._("The payment was refused after the customer left the payment page.")
            )
        elif status in const.STATUS_MAPPING["draft"]:
            pass  # The customer has not paid yet.
        elif status in const.STATUS_MAPPING["pending"]:
            self._set_pending()
        elif status in const.STATUS_MAPPING["done"]:
            if self._set_done():
                # Paid: the other pages still open for the same documents must not take the money again.
                self._stripe_checkout_close_sibling_sessions()
        elif status in const.STATUS_MAPPING["cancel"]:
            self._set_canceled(state_message=self.env._("The payment session expired before the customer paid."))
        else:
            _logger.warning("Received an unknown Checkout Session status %s for %s.", status, self.reference)
            self._set_error(self.env._("Stripe answered with an unknown payment status: %(status)s", status=status))

    def _stripe_checkout_set_payment_details(self, details):
        """Record how the customer paid: the payment method (card brand, wallet, pre-authorized debit) and the
        last digits of the card or bank account, as the receipt names them."""
        kind = details.get("type")
        info = details.get(kind) or {}
        last4 = info.get("last4") or ""
        if kind == "card":
            brand = info.get("brand") or "card"
            code = (info.get("wallet") or {}).get("type") or brand
            label = f"{const.CARD_BRAND_NAMES.get(brand, brand.title())} •••• {last4}"
        else:
            code = kind
            label = f"{info.get('bank_name') or ''} •••• {last4}".strip()
        method = self.env["payment.method"].with_context(active_test=False).search([("code", "=", code)], limit=1)
        self.write({"stripe_checkout_payment_details": label, **({"payment_method_id": method.id} if method else {})})

    def _stripe_checkout_apply_refund(self, refund):
        self.provider_reference = refund["id"]
        if not self.stripe_checkout_refund_id:
            self.stripe_checkout_refund_id = refund["id"]
        status = refund.get("status")
        if status in const.REFUND_STATUS_MAPPING["pending"]:
            self._set_pending()
        elif status in const.REFUND_STATUS_MAPPING["done"]:
            self._set_done()
            # No customer browses a refund's status page: post-process it (the payment) now.
            self.env.ref("payment.cron_post_process_payment_tx")._trigger()
        elif status in const.REFUND_STATUS_MAPPING["cancel"]:
            self._set_canceled()
        else:
            self._set_error(
                self.env._(
                    "The refund did not go through (status: %(status)s); check it in Stripe's dashboard.",
                    status=status,
                ),
                extra_allowed_states=("done",),
            )
