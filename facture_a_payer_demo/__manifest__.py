{
    "name": "Facture à payer: demo merchant",
    "summary": "The offline demo of Facture à payer: a Québec merchant (GST + QST, CAD) and its customers",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "author": "Facture à payer",
    "website": "https://github.com/facture-a-payer/facture-a-payer",
    "license": "LGPL-3",
    # The Canadian chart is the demo's, not the product's: facture_a_payer installs without it.
    "depends": ["facture_a_payer", "l10n_ca"],
    "demo": [
        "demo/res_company_demo.xml",
        "demo/res_partner_demo.xml",
        "demo/product_demo.xml",
        "demo/sale_order_demo.xml",
        "demo/account_move_demo.xml",
    ],
    "installable": True,
}
