{
    "name": "Facture à payer",
    "summary": "Send a quote or an invoice by email and SMS with a secure link to approve and pay it online",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "author": "Facture à payer",
    "website": "https://github.com/facture-a-payer/facture-a-payer",
    "license": "LGPL-3",
    "depends": [
        "sale_management",
        "account_payment",
        "sms_twilio",
        "portal",
        "phone_validation",
        "l10n_ca",
        "payment_stripe_checkout",
    ],
    "external_dependencies": {"python": ["phonenumbers", "qrcode"]},
    "data": [
        "security/ir.model.access.csv",
        "views/res_partner_views.xml",
        "views/product_product_views.xml",
        "views/sale_order_views.xml",
        "views/account_move_views.xml",
        "views/facture_a_payer_menus.xml",
    ],
    "demo": [
        "demo/res_company_demo.xml",
        "demo/res_partner_demo.xml",
        "demo/product_demo.xml",
        "demo/sale_order_demo.xml",
        "demo/account_move_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "facture_a_payer/static/src/merchant/**/*",
        ],
        "web.assets_tests": [
            "facture_a_payer/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": True,
}
