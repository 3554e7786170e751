import base64
import smtplib
from email.message import EmailMessage

import requests

from odoo.tests import tagged

from .common import FapSandboxCase


@tagged("post_install", "-at_install")
class TestFoundationSandboxMail(FapSandboxCase):
    def setUp(self):
        super().setUp()
        self.sandbox.reset()

    def test_mail_sent_by_odoo_reaches_the_smtp_sink(self):
        with self.smtp_live():
            mail = self.env["mail.mail"].create(
                {
                    "email_from": "bonjour@plomberie-beaulieu.example.com",
                    "email_to": "client@example.com",
                    "subject": "Soumission S00001",
                    "body_html": '<p>Bonjour, <a href="http://127.0.0.1:8069/my/orders/1">Processus de facture</a></p>',
                }
            )
            mail.send(raise_exception=True)
        self.assertEqual(mail.state, "sent")
        [received] = self.sandbox.mail.find(to="client@example.com")
        self.assertEqual(received["subject"], "Soumission S00001")
        self.assertEqual(received["rcpt_tos"], ["client@example.com"])
        self.assertIn("Processus de facture", received["html"])
        self.assertEqual(received["links"], ["http://127.0.0.1:8069/my/orders/1"])

    def test_the_inbox_page_lists_what_the_customer_received_newest_first_with_clickable_links(self):
        with self.smtp_live():
            self.env["mail.mail"].create(
                {"email_to": "client@example.com", "subject": "Facture INV/1", "body_html": "<p>Bonjour</p>"}
            ).send(raise_exception=True)
        partner = self.env["res.partner"].create({"name": "Julie Roy", "phone": "+1 418 555 0156"})
        partner._message_sms("Payer la facture : http://127.0.0.1:8069/p/abc", partner_ids=partner.ids)
        page = requests.get(f"{self.sandbox.url}/", timeout=5).text
        self.assertLess(page.index("+14185550156"), page.index("Facture INV/1"), "the SMS came last: it is first")
        self.assertIn('<a href="http://127.0.0.1:8069/p/abc">', page)
        self.assertIn('<a href="/mail/0">Facture INV/1</a>', page)
        self.assertIn('name="viewport"', page)
        self.assertIn(">queued<", page)

    def test_the_email_page_shows_inline_images_as_a_mail_client_does(self):
        image = base64.b64decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
        )
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "shop@example.com", "client@example.com", "QR"
        message.set_content("QR")
        message.add_alternative('<p><img src="cid:qr-code"></p>', subtype="html")
        message.get_payload()[1].add_related(image, "image", "png", cid="<qr-code>")
        with smtplib.SMTP(self.sandbox.host, self.sandbox.smtp_port, timeout=5) as smtp:
            smtp.send_message(message)
        page = requests.get(f"{self.sandbox.url}/mail/0", timeout=5).text
        self.assertIn(f'src="data:image/png;base64,{base64.b64encode(image).decode()}"', page)
        self.assertNotIn("cid:", page)
