from odoo.tests import tagged

from .common import FapSandboxCase


@tagged("post_install", "-at_install")
class TestSandboxTwilio(FapSandboxCase):
    def test_sms_sent_by_odoo_reaches_the_sandbox_and_its_callbacks_update_odoo(self):
        partner = self.env["res.partner"].create({"name": "Élise Tremblay", "phone": "+1 514 555 0142"})
        partner._message_sms("Bonjour", partner_ids=partner.ids)
        [message] = self.sandbox.twilio.find(to="+15145550142")
        self.assertEqual(message["body"], "Bonjour")
        notification = self.env["mail.notification"].search([("res_partner_id", "=", partner.id)], limit=1)
        self.assertEqual(notification.notification_status, "pending")
        self.deliver_callbacks()
        self.assertEqual(message["status_history"], ["queued", "sent", "delivered"])
        self.assertEqual(notification.notification_status, "sent")

    def test_mail_sent_by_odoo_reaches_the_smtp_sink(self):
        with self.smtp_live():
            mail = self.env["mail.mail"].create(
                {"email_to": "client@example.com", "subject": "Soumission S00001", "body_html": "<p>Bonjour</p>"}
            )
            mail.send(raise_exception=True)
        [received] = self.sandbox.mail.find(to="client@example.com")
        self.assertEqual(received["subject"], "Soumission S00001")
        self.assertIn("Bonjour", received["html"])
