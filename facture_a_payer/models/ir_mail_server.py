import re
import secrets

from odoo import models
from odoo.tools import consteq

# The QR code of our emails: posting the message turned its data URI into a hosted attachment
# (<img class="o_fap_qr" src="https://…/web/image/<id>?access_token=<token>">).
QR_IMG_RE = re.compile(r"<img\b[^>]*\bclass=\"o_fap_qr\"[^>]*>")
QR_SRC_RE = re.compile(r"""\bsrc=(["'])(?:https?://[^"'/]+)?/web/image/(\d+)\?access_token=([\w-]+)\1""")


class IrMailServer(models.Model):
    _inherit = "ir.mail_server"

    def _build_email__(self, email_from, email_to, subject, body, *args, subtype="plain", **kwargs):
        """Send the QR code of our emails as an inline related part (``cid:``).

        A hosted image is hidden by mail clients that block remote images until the reader allows them
        (Outlook, many webmails) and data URIs are dropped by Gmail; an inline part shows everywhere.
        """
        images = []

        def inline(tag_match):
            tag = tag_match[0]
            src = QR_SRC_RE.search(tag)
            attachment = src and self.env["ir.attachment"].sudo().browse(int(src[2])).exists()
            if not attachment or not attachment.access_token or not consteq(attachment.access_token, src[3]):
                return tag
            cid = f"fap-qr-{secrets.token_hex(8)}@facture-a-payer"
            images.append((cid, attachment))
            return tag[: src.start()] + f'src="cid:{cid}"' + tag[src.end() :]

        if subtype == "html" and body and "o_fap_qr" in body:
            body = QR_IMG_RE.sub(inline, body)
        msg = super()._build_email__(email_from, email_to, subject, body, *args, subtype=subtype, **kwargs)
        html_part = images and msg.get_body(("html",))
        if html_part:
            for cid, attachment in images:
                maintype, _sep, image_subtype = (attachment.mimetype or "image/png").partition("/")
                html_part.add_related(attachment.raw, maintype, image_subtype, cid=f"<{cid}>")
        return msg
