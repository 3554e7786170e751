from . import const


def get_secret_key(provider_sudo):
    """Return the secret key of a sudoed provider (a hook for a Stripe Connect variant)."""
    return provider_sudo.stripe_checkout_secret_key


def get_webhook_secret(provider_sudo):
    """Return the webhook signing secret of a sudoed provider."""
    return provider_sudo.stripe_checkout_webhook_secret


def get_api_base(env):
    """Return Stripe's API base URL: the system parameter, or Stripe's own."""
    api_base = env["ir.config_parameter"].sudo().get_param(const.API_BASE_PARAM) or const.DEFAULT_API_BASE
    return api_base.rstrip("/")


def get_locale(lang_code):
    """Map an Odoo language code (fr_CA) to a Checkout locale (fr-CA, else fr, else auto)."""
    if not lang_code:
        return "auto"
    locale = lang_code.replace("_", "-")
    if locale in const.SUPPORTED_LOCALES:
        return locale
    language = locale.split("-")[0]
    return language if language in const.SUPPORTED_LOCALES else "auto"
