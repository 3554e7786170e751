import hashlib
import hmac
import re
import secrets

from odoo import api, fields, models

# secrets.token_urlsafe(16): 128 random bits, 22 characters of [A-Za-z0-9_-].
CODE_BYTES = 16
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


class FactureAPayerShortLink(models.Model):
    """Short form of a document's portal link, for SMS: ``/p/<code>``.

    It keeps a hash of the access token it was made for: once the document's token changes (link
    revoked), the short link answers like an unknown code.
    """

    _name = "facture_a_payer.short.link"
    _description = "Short link to a document's page"

    code = fields.Char(required=True, readonly=True)
    res_model = fields.Char(string="Document model", required=True, readonly=True)
    res_id = fields.Many2oneReference(string="Document", model_field="res_model", required=True, readonly=True)
    token_hash = fields.Char(required=True, readonly=True)

    _code_unique = models.Constraint("UNIQUE(code)", "A short link code must be unique.")
    _document_index = models.Index("(res_model, res_id, token_hash)")

    @api.model
    def _fap_get_or_create(self, document):
        token_hash = _token_hash(document._portal_ensure_token())
        link = self.search(
            [("res_model", "=", document._name), ("res_id", "=", document.id), ("token_hash", "=", token_hash)],
            limit=1,
        )
        return link or self.create(
            {
                "code": secrets.token_urlsafe(CODE_BYTES),
                "res_model": document._name,
                "res_id": document.id,
                "token_hash": token_hash,
            }
        )

    @api.model
    def _fap_resolve(self, code):
        """The document (sudo) the code leads to, or None if unknown or revoked."""
        if not CODE_RE.match(code or ""):
            return None
        link = self.sudo().search([("code", "=", code)], limit=1)
        if not link or not isinstance(self.env.get(link.res_model), self.pool["facture_a_payer.document"]):
            return None
        document = self.env[link.res_model].sudo().browse(link.res_id).exists()
        if not document or not document.access_token:
            return None
        if not hmac.compare_digest(_token_hash(document.access_token), link.token_hash):
            return None
        return document
