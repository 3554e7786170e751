{
    "name": "Payment Provider: Stripe Checkout",
    "summary": "Pay on Stripe's hosted Checkout page, through the official Stripe SDK",
    "version": "19.0.1.0.0",
    "category": "Accounting/Payment Providers",
    "author": "Facture à payer",
    "website": "https://github.com/facture-a-payer/facture-a-payer",
    "license": "LGPL-3",
    "depends": ["payment"],
    "external_dependencies": {"python": ["stripe"]},
    "data": [],
    "installable": True,
}
