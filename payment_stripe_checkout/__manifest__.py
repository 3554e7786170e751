{
    "name": "Payment Provider: Stripe Checkout",
    "summary": "Pay on Stripe's hosted Checkout page, through the official Stripe SDK",
    "version": "19.0.1.0.0",
    "category": "Accounting/Payment Providers",
    "sequence": 350,
    "author": "Facture à payer",
    "website": "https://github.com/facture-a-payer/facture-a-payer",
    "license": "LGPL-3",
    "depends": ["payment"],
    "external_dependencies": {"python": ["stripe"]},
    "data": [
        "views/payment_stripe_checkout_templates.xml",
        "views/payment_provider_views.xml",
        "data/payment_provider_data.xml",  # Depends on views/payment_stripe_checkout_templates.xml
        "data/payment_method_data.xml",  # Depends on data/payment_provider_data.xml
    ],
    "demo": ["demo/payment_provider_demo.xml"],
    "assets": {
        "web.assets_tests": ["payment_stripe_checkout/static/tests/tours/**/*"],
    },
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "installable": True,
}
