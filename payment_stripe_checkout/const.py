from odoo.addons.payment.const import SENSITIVE_KEYS as PAYMENT_SENSITIVE_KEYS

# https://docs.stripe.com/keys: secret keys and webhook signing secrets never reach the logs.
SECRET_KEYS = {"api_key", "stripe_checkout_secret_key", "stripe_checkout_webhook_secret"}
PAYMENT_SENSITIVE_KEYS.update(SECRET_KEYS)
# Nor do the customer's personal data and card details that Stripe's objects carry (this module's logs only).
SENSITIVE_KEYS = SECRET_KEYS | {
    "address",
    "billing_details",
    "customer_details",
    "customer_email",
    "email",
    "fingerprint",
    "last4",
    "payment_method_details",
    "phone",
    "shipping_details",
}

# https://docs.stripe.com/api/versioning: the version this module is written and tested against.
API_VERSION = "2026-10-28.endive"

# The API base is a system parameter so that the tests and the offline demo point the SDK at the sandbox.
API_BASE_PARAM = "payment_stripe_checkout.api_base"
DEFAULT_API_BASE = "https://api.stripe.com"

# https://docs.stripe.com/error-low-level#idempotency: the SDK retries network failures and 409/5xx answers
# with the same idempotency key.
MAX_NETWORK_RETRIES = 2
# Seconds to wait for one answer, like Odoo's own payment requests (the customer waits meanwhile); a scalar, as
# Odoo's test HTTP layer expects.
API_TIMEOUT = 10

# https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-expires_at: 30 minutes to 24 hours
# (23 hours leave room for clock skew).
SESSION_LIFETIME_MINUTES = 23 * 60

# https://docs.stripe.com/webhooks#verify-official-libraries: signatures older than this are refused (seconds).
WEBHOOK_TOLERANCE = 300

# https://docs.stripe.com/api/events/types
HANDLED_WEBHOOK_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
    "charge.refund.updated",  # A refund failed after it succeeded (the customer's card was closed...).
}

# https://docs.stripe.com/api/checkout/sessions/object#checkout_session_object-status and -payment_status,
# as (status, payment_status) pairs; an async_payment_failed event is an error whatever the pair says.
STATUS_MAPPING = {
    "draft": {("open", "unpaid")},
    "pending": {("complete", "unpaid")},
    "done": {("complete", "paid"), ("complete", "no_payment_required")},
    "cancel": {("expired", "unpaid")},
}

# The metadata key of the refunds made from Odoo, holding the refund transaction's reference.
REFUND_METADATA_KEY = "odoo_refund_reference"

# https://docs.stripe.com/api/refunds/object#refund_object-status
REFUND_STATUS_MAPPING = {
    "pending": {"pending", "requires_action"},
    "done": {"succeeded"},
    "cancel": {"canceled"},
    "error": {"failed"},
}

# https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-locale
SUPPORTED_LOCALES = {
    "bg",
    "cs",
    "da",
    "de",
    "el",
    "en",
    "en-GB",
    "es",
    "es-419",
    "et",
    "fi",
    "fil",
    "fr",
    "fr-CA",
    "hr",
    "hu",
    "id",
    "it",
    "ja",
    "ko",
    "lt",
    "lv",
    "ms",
    "mt",
    "nb",
    "nl",
    "pl",
    "pt",
    "pt-BR",
    "ro",
    "ru",
    "sk",
    "sl",
    "sv",
    "th",
    "tr",
    "vi",
    "zh",
    "zh-HK",
    "zh-TW",
}

# https://docs.stripe.com/currencies: presentment currencies a Canadian account settles (the main ones).
SUPPORTED_CURRENCIES = {
    "AED",
    "AUD",
    "BGN",
    "BRL",
    "CAD",
    "CHF",
    "CZK",
    "DKK",
    "EUR",
    "GBP",
    "HKD",
    "HUF",
    "ILS",
    "INR",
    "JPY",
    "MXN",
    "MYR",
    "NOK",
    "NZD",
    "PHP",
    "PLN",
    "RON",
    "SEK",
    "SGD",
    "THB",
    "TRY",
    "USD",
    "ZAR",
}

# The payment methods activated with the provider: Checkout shows the cards of these brands, and the wallets when
# they are on in the Stripe account. Pre-authorized debit (acss_debit) is turned on from the provider's form.
DEFAULT_PAYMENT_METHOD_CODES = {"card", "visa", "mastercard", "amex", "apple_pay", "google_pay"}

# https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-payment_method_options-acss_debit:
# sporadic debits of a person's or a business's account, the customer's bank account checked by Stripe.
ACSS_DEBIT_OPTIONS = {
    "currency": "cad",
    "mandate_options": {"payment_schedule": "sporadic", "transaction_type": "personal"},
    "verification_method": "automatic",
}

# The names of the card brands Stripe reports (https://docs.stripe.com/api/charges/object).
CARD_BRAND_NAMES = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express"}
