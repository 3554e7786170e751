from odoo.addons.payment import reset_payment_provider, setup_provider


def post_init_hook(env):
    setup_provider(env, "stripe_checkout")


def uninstall_hook(env):
    reset_payment_provider(env, "stripe_checkout")
