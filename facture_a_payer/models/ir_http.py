from odoo import models
from odoo.http import request

# A customer's link is their key to the document: what the page loads or links to on another site (the payment
# page, a font, a map) must not learn it from the Referer header. Same-origin requests keep the full URL.
REFERRER_POLICY = "strict-origin-when-cross-origin"
# The short link of an SMS (controllers/short_link.py): its code opens the document like the access token.
SHORT_LINK_PREFIX = "/p/"


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _post_dispatch(cls, response):
        res = super()._post_dispatch(response)
        httprequest = request.httprequest
        if "access_token" in httprequest.args or httprequest.path.startswith(SHORT_LINK_PREFIX):
            # A policy the route chose itself (a stricter one) stays.
            response.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
        return res
