{
    "name": "Facture à payer: beside the website",
    "summary": "The customer's pages of Facture à payer keep the merchant's look when Odoo's website is installed",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "author": "Facture à payer",
    "website": "https://github.com/facture-a-payer/facture-a-payer",
    "license": "LGPL-3",
    "depends": ["facture_a_payer", "website"],
    "data": ["views/website_templates.xml"],
    "assets": {
        # The website's style sheets extend the HTML editor's content styles, which the visitor's lean style sheets
        # leave out: they come back here, with the website.
        "facture_a_payer.assets_visitor": ["html_editor/static/src/scss/html_editor.common.scss"],
    },
    # Installed by itself when a company running Facture à payer adds the website (or the other way round).
    "auto_install": True,
    "installable": True,
}
