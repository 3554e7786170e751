from odoo.http import Controller, request, route

from .portal import customer_lang_prefix


class FapShortLinkController(Controller):
    @route("/p/<string:code>", type="http", auth="public", methods=["GET"], sitemap=False)
    def fap_short_link(self, code):
        """The short link of an SMS: to the document's current page, while its access token is unchanged.

        One redirect, straight to the page the customer will read (an approved quote's invoice) in their
        language: each extra hop costs a round trip on a phone network. Unknown, malformed and revoked codes
        all answer the same 404.
        """
        document = request.env["facture_a_payer.short.link"]._fap_resolve(code)
        if document is None:
            raise request.not_found()
        if document._name == "sale.order" and not document._fap_portal_closed_reason():
            document = document._fap_portal_invoice() or document
        return request.redirect(customer_lang_prefix(document) + document.get_portal_url(), code=303)
