from odoo.http import Controller, request, route


class FapShortLinkController(Controller):
    @route("/p/<string:code>", type="http", auth="public", methods=["GET"], sitemap=False)
    def fap_short_link(self, code):
        """The short link of an SMS: to the document's current page, while its access token is unchanged.

        Unknown, malformed and revoked codes all answer the same 404.
        """
        document = request.env["facture_a_payer.short.link"]._fap_resolve(code)
        if document is None:
            raise request.not_found()
        return request.redirect(document.get_portal_url(), code=303)
