import io
import re

from PIL import Image
from pyzbar.pyzbar import decode as decode_qr

from odoo import Command

from .common import FapSandboxCase

BUTTON_HREF_RE = re.compile(
    r'<a\b[^>]*\bhref="([^"]+)"[^>]*\bclass="o_fap_link"|<a\b[^>]*\bclass="o_fap_link"[^>]*\bhref="([^"]+)"'
)
SHORT_URL_RE = re.compile(r"https?://\S+/p/[A-Za-z0-9_-]{22}")


class FapSendCase(FapSandboxCase):
    """Customers, quotes and invoices to send, and what the customer receives, read from the sandbox."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_CA")
        cls.env["ir.module.module"]._load_module_terms(["facture_a_payer"], ["fr_CA"], overwrite=True)
        cls.canada = cls.env.ref("base.ca")
        cls.company.write({"country_id": cls.canada.id, "email": "facturation@entreprise.example"})
        cls.product = cls.env["product.product"].create(
            {"name": "Réparation de chauffe-eau", "list_price": 250.0, "type": "service", "taxes_id": False}
        )
        cls._phone_seq = 100

    @classmethod
    def _customer(cls, name="Élise Tremblay", lang="fr_CA", email=True, phone=True, **values):
        """A Canadian customer; by default with an email and a new valid mobile phone number."""
        cls._phone_seq += 1
        slug = re.sub(r"[^a-z]", "", name.lower().replace("é", "e"))
        return cls.env["res.partner"].create(
            {
                "name": name,
                "lang": lang,
                "email": f"{slug}.{cls._phone_seq}@example.com" if email is True else email,
                "phone": f"514 555 {cls._phone_seq:04d}" if phone is True else phone,
                "country_id": cls.canada.id,
                **values,
            }
        )

    @classmethod
    def _invoice(cls, partner, post=True, price=180.0):
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_line_ids": [
                    Command.create({"product_id": cls.product.id, "price_unit": price, "tax_ids": False})
                ],
            }
        )
        if post:
            invoice.action_post()
        return invoice

    def setUp(self):
        super().setUp()
        self.sent_before = (len(self.sandbox.mail.messages), len(self.sandbox.twilio.messages))
        # Status callbacks of this test's SMS are posted before its data is rolled back.
        self.addCleanup(self.deliver_callbacks)

    # -- what the customer received --------------------------------------------------------------
    def assertNothingSent(self, document):
        self.assertEqual((len(self.sandbox.mail.messages), len(self.sandbox.twilio.messages)), self.sent_before)
        self.assertFalse(document.message_ids.filtered(lambda m: m.message_type in ("comment", "sms")))

    def received_sms(self, partner):
        return self.sandbox.twilio.find(to=partner._fap_get_sms_number())

    def received_emails(self, partner):
        return self.sandbox.mail.find(to=partner.email)

    @staticmethod
    def button_link(email):
        match = BUTTON_HREF_RE.search(email["html"])
        return match and (match[1] or match[2]).replace("&amp;", "&")

    @staticmethod
    def qr_codes(email):
        """The decoded QR codes of the images the HTML part shows (inline parts referenced by cid:)."""
        html = email["html"]
        decoded = []
        for part in email["message"].walk():
            cid = (part["Content-ID"] or "").strip("<>")
            if part.get_content_maintype() == "image" and cid and f"cid:{cid}" in html:
                image = Image.open(io.BytesIO(part.get_content()))
                decoded += [symbol.data.decode() for symbol in decode_qr(image)]
        return decoded

    def chatter_notifications(self, document, notification_type):
        return self.env["mail.notification"].search(
            [
                ("mail_message_id.model", "=", document._name),
                ("mail_message_id.res_id", "=", document.id),
                ("notification_type", "=", notification_type),
            ]
        )
