from ast import literal_eval
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.tests import tagged

from .send_common import SHORT_URL_RE, FapSendCase


@tagged("post_install", "-at_install")
class TestSendFlow(FapSendCase):
    """« Enregistrer et envoyer »: what the customer receives by email and SMS, and where the links lead."""

    def _send_and_check(self, document, partner, words):
        """Send ``document`` and check both messages; returns (email, sms)."""
        with self.smtp_live():
            action = self.send(document)
        self.assertEqual(action["params"]["type"], "success")

        [email] = self.received_emails(partner)
        self.assertIn(words["subject"], email["subject"])
        self.assertIn(document.name, email["subject"])
        self.assertIn(words["button"], email["html"])
        [report] = email["attachments"]  # the PDF (rendered as HTML while testing, see test_real_pdf_is_attached)
        self.assertIn(document.name.replace("/", "_"), report["filename"].replace("/", "_"))
        link = self.button_link(email)
        self.assertEqual(link, document._fap_get_share_url())
        self.assertTrue(link.startswith(self.base_url() + "/my/"), "absolute, on the base URL, no double slash")
        self.assertEqual(self.qr_codes(email), [link], "the QR code is the button's link")

        [sms] = self.received_sms(partner)
        self.assertIn(words["sms"], sms["body"])
        self.assertIn(document.name, sms["body"])
        self.assertIn(document.company_id.name, sms["body"])
        [short_url] = SHORT_URL_RE.findall(sms["body"])
        self.assertEqual(short_url, document._fap_get_short_url())
        self.assertLessEqual(len(sms["body"]), 160)
        self.assertNotRegex(sms["body"], "[\u00a0\u202f]", "no-break spaces would make it a UCS-2 SMS")

        # Both links, opened by a visitor who is not logged in, show this document.
        for url in (link, short_url):
            response = self.open_as_visitor(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertRegex(urlsplit(response.url).path, rf"^(/{partner.lang[:2]})?{document.access_url}$")
            self.assertIn(document.name, response.text)

        # The chatter shows both messages with their state.
        self.assertEqual(self.chatter_notifications(document, "email").mapped("notification_status"), ["sent"])
        [sms_notification] = self.chatter_notifications(document, "sms")
        self.assertEqual(sms_notification.notification_status, "pending")
        self.deliver_callbacks()
        self.assertEqual(sms_notification.notification_status, "sent", "Twilio's 'delivered' callback")
        return email, sms

    def test_the_button_answers_before_the_pdf_the_email_and_the_sms(self):
        partner = self._customer("Élise Tremblay", lang="fr_CA")
        documents = [self._quote(partner), self._invoice(partner)]
        Report = type(self.env["ir.actions.report"])
        for document in documents:
            with (
                self.subTest(document._name),
                self.smtp_live(),
                patch.object(
                    Report, "_pre_render_qweb_pdf", autospec=True, side_effect=Report._pre_render_qweb_pdf
                ) as render,
            ):
                sms_before = len(self.received_sms(partner))
                action = document.action_fap_save_and_send()
                # The merchant's answer: nothing rendered nor sent, the document queued, the sending cron called.
                self.assertEqual(action["params"]["type"], "success")
                self.assertIn("by email and SMS", action["params"]["message"])
                render.assert_not_called()
                self.assertEqual(document.fap_send_state, "queued")
                self.assertFalse(self.chatter_notifications(document, "email"))
                self.assertFalse(self.chatter_notifications(document, "sms"))
                self.assertEqual(len(self.received_sms(partner)), sms_before)
                cron = self.env.ref("facture_a_payer.ir_cron_fap_send_jobs")
                self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
                # One document is not a mass sending: « Envois groupés » does not list it.
                jobs = self.env.ref("facture_a_payer.facture_a_payer_send_job_action")
                self.assertFalse(self.env["facture_a_payer.send.job"].search(literal_eval(jobs.domain)))

                self.run_send_queue()
                render.assert_called()
                self.assertEqual(document.fap_send_state, "sent")
                self.assertEqual(self.chatter_notifications(document, "email").mapped("notification_status"), ["sent"])
                self.assertEqual(len(self.chatter_notifications(document, "sms")), 1)
                self.assertEqual(len(self.received_sms(partner)), sms_before + 1)
        self.assertEqual(documents[0].state, "sent")
        self.assertEqual(len(self.received_emails(partner)), 2)

    def test_quote_in_french_by_email_and_sms(self):
        partner = self._customer("Élise Tremblay", lang="fr_CA")
        quote = self._quote(partner)
        self._send_and_check(
            quote, partner, {"subject": "soumission", "button": "Processus de facture", "sms": "soumission"}
        )
        self.assertEqual(quote.state, "sent")
        self.assertEqual(quote.fap_send_state, "sent")

    def test_quote_in_english_by_email_and_sms(self):
        partner = self._customer("John Smith", lang="en_US")
        quote = self._quote(partner)
        email, _sms = self._send_and_check(
            quote, partner, {"subject": "quote", "button": "Review the quote", "sms": "quote"}
        )
        self.assertNotIn("Invoice process", email["html"])
        self.assertEqual(quote.state, "sent")

    def test_invoice_in_french_by_email_and_sms(self):
        partner = self._customer("Gaston Lagaffe", lang="fr_CA")
        invoice = self._invoice(partner)
        self._send_and_check(
            invoice, partner, {"subject": "facture", "button": "Processus de facture", "sms": "facture"}
        )
        self.assertTrue(invoice.is_move_sent)

    def test_invoice_in_english_by_email_and_sms(self):
        partner = self._customer("Mary Jones", lang="en_US")
        invoice = self._invoice(partner)
        email, _sms = self._send_and_check(
            invoice, partner, {"subject": "invoice", "button": "Pay the invoice", "sms": "invoice"}
        )
        self.assertTrue(invoice.is_move_sent)
        self.assertNotIn("//my/", email["html"])

    def test_real_pdf_is_attached(self):
        partner = self._customer("Paul Ouellet", lang="fr_CA")
        invoice = self._invoice(partner)
        with self.smtp_live():
            self.send(invoice.with_context(force_report_rendering=True))
        [email] = self.received_emails(partner)
        [pdf] = email["attachments"]
        self.assertEqual(pdf["content_type"], "application/pdf")
        self.assertTrue(pdf["data"].startswith(b"%PDF"))

    def test_a_sent_invoice_has_one_legal_pdf_the_one_the_email_carries_and_the_portal_serves(self):
        partner = self._customer("Paul Ouellet", lang="fr_CA")
        invoice = self._invoice(partner)
        with self.smtp_live():
            self.send(invoice.with_context(force_report_rendering=True))
        legal_pdf = invoice.invoice_pdf_report_id
        self.assertTrue(legal_pdf.raw.startswith(b"%PDF"))
        # Every PDF of the invoice, the binary fields' included (ir.attachment hides them unless asked).
        pdfs = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "=", invoice.id),
                ("mimetype", "=", "application/pdf"),
                "|",
                ("res_field", "=", False),
                ("res_field", "!=", False),
            ]
        )
        self.assertEqual(pdfs, legal_pdf)
        [email] = self.received_emails(partner)
        self.assertEqual([pdf["data"] for pdf in email["attachments"]], [legal_pdf.raw])
        self.assertEqual(email["attachments"][0]["filename"], legal_pdf.name)
        portal_pdf = self.open_as_visitor(invoice._fap_get_share_url().replace("?", "?report_type=pdf&download=1&", 1))
        self.assertEqual(portal_pdf.content, legal_pdf.raw)
        self.assertTrue(invoice.is_move_sent)

    def test_an_invoice_sent_by_sms_only_has_its_legal_pdf_too(self):
        partner = self._customer("Jean Sms", fap_channel="sms")
        invoice = self._invoice(partner)
        self.send(invoice)
        self.assertFalse(self.received_emails(partner))
        self.assertTrue(invoice.invoice_pdf_report_id)
        self.assertTrue(invoice.is_move_sent)

    def test_link_reaches_that_document_and_no_other(self):
        alice, bob = self._customer("Alice Roy"), self._customer("Bob Côté")
        alice_quote, bob_quote = self._quote(alice, quantity=1), self._quote(bob, quantity=3)
        self.send(alice_quote)
        self.send(bob_quote)
        [alice_sms] = self.received_sms(alice)
        [short_url] = SHORT_URL_RE.findall(alice_sms["body"])
        response = self.open_as_visitor(short_url)
        self.assertRegex(urlsplit(response.url).path, rf"^(/fr)?{alice_quote.access_url}$")
        self.assertIn(alice_quote.name, response.text)
        self.assertNotIn(bob_quote.name, response.text)
        # Alice's token does not open Bob's quote.
        response = self.open_as_visitor(f"{bob_quote.access_url}?access_token={alice_quote.access_token}")
        self.assertNotIn(bob_quote.name, response.text)
        self.assertIn("/web/login", response.url)

    def test_an_approved_quotes_short_link_goes_to_its_invoice_in_the_customers_language_in_one_redirect(self):
        partner = self._customer("Gisèle Paré")
        quote = self._quote(partner)
        short_url = quote._fap_get_short_url()
        [invoice] = quote._fap_confirm_and_invoice()
        self.env.flush_all()
        response = self.open_as_visitor(short_url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.history), 1, [r.headers.get("Location") for r in response.history])
        self.assertEqual(urlsplit(response.url).path, f"/fr{invoice.access_url}")
        self.assertIn(invoice.name, response.text)

    def test_short_link_dies_with_the_access_token(self):
        partner = self._customer("Carole Gagnon")
        invoice = self._invoice(partner)
        short_url = invoice._fap_get_short_url()
        self.assertEqual(self.open_as_visitor(short_url).status_code, 200)
        self.assertEqual(invoice._fap_get_short_url(), short_url, "one link per document and token")
        invoice.sudo().access_token = "revoked-0000"
        revoked = self.open_as_visitor(short_url)
        unknown = self.open_as_visitor(self.base_url() + "/p/" + "A" * 22)
        malformed = self.open_as_visitor(self.base_url() + "/p/short")
        self.assertEqual([revoked.status_code, unknown.status_code, malformed.status_code], [404, 404, 404])
        self.assertEqual(revoked.text, unknown.text, "a revoked link answers like an unknown one")
        self.assertNotEqual(invoice._fap_get_short_url(), short_url, "a new token gets a new short link")

    def test_links_are_right_outside_a_request(self):
        partner = self._customer("Denis Lavoie")
        invoice = self._invoice(partner)
        self.env["ir.config_parameter"].set_param("web.base.url", "https://factures.example.com/")
        self.assertEqual(
            invoice._fap_get_share_url(),
            f"https://factures.example.com/my/invoices/{invoice.id}?access_token={invoice.access_token}",
        )
        self.assertRegex(invoice._fap_get_short_url(), r"^https://factures\.example\.com/p/[A-Za-z0-9_-]{22}$")
