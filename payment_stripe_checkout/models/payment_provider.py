import stripe

from odoo import fields, models
from odoo.exceptions import ValidationError

from odoo.addons.payment.logging import get_payment_logger

from .. import const, utils

_logger = get_payment_logger(__name__, const.SENSITIVE_KEYS)


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    code = fields.Selection(
        selection_add=[("stripe_checkout", "Stripe Checkout")], ondelete={"stripe_checkout": "set default"}
    )
    stripe_checkout_secret_key = fields.Char(
        string="Stripe Secret Key",
        help="The secret key (sk_live_… or sk_test_…) or a restricted key of the Stripe account.",
        required_if_provider="stripe_checkout",
        copy=False,
        groups="base.group_system",
    )
    stripe_checkout_webhook_secret = fields.Char(
        string="Stripe Webhook Signing Secret",
        help="The signing secret (whsec_…) of the webhook endpoint declared in Stripe's dashboard; "
        "webhook events are refused without it.",
        required_if_provider="stripe_checkout",
        copy=False,
        groups="base.group_system",
    )

    # === COMPUTE METHODS === #

    def _compute_feature_support_fields(self):
        """Override of `payment` to enable refunds."""
        res = super()._compute_feature_support_fields()
        self.filtered(lambda p: p.code == "stripe_checkout").support_refund = "partial"
        return res

    def _get_supported_currencies(self):
        """Override of `payment` to return the supported currencies."""
        supported_currencies = super()._get_supported_currencies()
        if self.code == "stripe_checkout":
            supported_currencies = supported_currencies.filtered(lambda c: c.name in const.SUPPORTED_CURRENCIES)
        return supported_currencies

    # === CRUD METHODS === #

    def _get_default_payment_method_codes(self):
        """Override of `payment` to return the default payment method codes."""
        self.ensure_one()
        if self.code != "stripe_checkout":
            return super()._get_default_payment_method_codes()
        return const.DEFAULT_PAYMENT_METHOD_CODES

    def _get_reset_values(self):
        """Override of `payment` to forget the Stripe credentials."""
        reset_values = super()._get_reset_values()
        if self.code == "stripe_checkout":
            reset_values.update(stripe_checkout_secret_key=False, stripe_checkout_webhook_secret=False)
        return reset_values

    # === REQUEST HELPERS === #

    def _stripe_checkout_get_client(self):
        """Return a Stripe SDK client for this provider, pointed at the configured API base.

        Note: `self.ensure_one()`

        :return: The client.
        :rtype: stripe.StripeClient
        """
        self.ensure_one()
        return stripe.StripeClient(
            utils.get_secret_key(self.sudo()) or "",
            base_addresses={"api": utils.get_api_base(self.env)},
            stripe_version=const.API_VERSION,
            max_network_retries=const.MAX_NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=const.API_TIMEOUT),
        )

    def _stripe_checkout_call(self, operation, *args, reference=None, **kwargs):
        """Call Stripe through the SDK: the one door of this module to Stripe's API.

        :param str operation: The dotted path of the SDK method under `client.v1`, e.g.
                              `checkout.sessions.create`.
        :param args: The positional arguments of the SDK method (id, params).
        :param str reference: The reference of the transaction, for the logs.
        :param kwargs: The keyword arguments of the SDK method (`options` for the idempotency key).
        :return: The answer of Stripe as plain dicts and lists.
        :rtype: dict
        :raise ValidationError: If Stripe cannot be reached or refuses the request.
        """
        self.ensure_one()
        method = self._stripe_checkout_get_client().v1
        for name in operation.split("."):
            method = getattr(method, name)
        _logger.info(
            "Calling Stripe %(operation)s for %(subject)s with:\n%(args)s",
            {"operation": operation, "subject": reference or f"provider {self.id}", "args": args},
        )
        try:
            answer = method(*args, **kwargs)
        except stripe.APIConnectionError as error:
            _logger.warning("Stripe could not be reached for %s: %s", operation, error)
            raise ValidationError(
                self.env._("Stripe, the payment service, cannot be reached right now. Please try again in a moment.")
            ) from error
        except stripe.StripeError as error:
            _logger.warning(
                "Stripe refused %(operation)s (HTTP %(status)s, %(code)s): %(message)s",
                {"operation": operation, "status": error.http_status, "code": error.code, "message": error},
            )
            if error.http_status and error.http_status >= 500:
                message = self.env._("Stripe, the payment service, is unavailable right now. Please try again later.")
            else:
                message = self.env._(
                    "Stripe, the payment service, refused the request: %(message)s",
                    message=error.user_message or str(error),
                )
            raise ValidationError(message) from error
        result = answer.to_dict()
        _logger.info("Stripe answered %(operation)s with:\n%(answer)s", {"operation": operation, "answer": result})
        return result
