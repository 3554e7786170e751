import socket

from odoo.exceptions import UserError
from odoo.tests import tagged

from .send_common import FapSendCase


@tagged("post_install", "-at_install")
class TestSendBadInput(FapSendCase):
    """Every input that cannot be sent as asked says why, and loses nothing."""

    def test_customer_without_email_nor_phone(self):
        partner = self._customer("Jean Sansnouvelles", email=False, phone=False)
        quote = self._quote(partner)
        with self.smtp_live(), self.assertRaisesRegex(UserError, "Jean Sansnouvelles has no email address nor valid"):
            self.send(quote)
        self.assertNothingSent(quote)
        self.assertEqual(quote.state, "draft")

    def test_malformed_phone_names_the_customer_and_the_number(self):
        partner = self._customer("Lucie Bédard", phone="514 555")
        invoice = self._invoice(partner)
        with self.smtp_live(), self.assertRaises(UserError) as caught:
            self.send(invoice)
        self.assertIn("« 514 555 »", caught.exception.args[0])
        self.assertIn("Lucie Bédard", caught.exception.args[0])
        self.assertNothingSent(invoice)
        self.assertFalse(invoice.is_move_sent)

    def test_phone_without_country_code_reads_with_the_customer_country(self):
        france = self.env.ref("base.fr")
        partner = self._customer("Amélie Poulain", phone="06 12 34 56 78", country_id=france.id)
        self.assertEqual(partner._fap_get_sms_number(), "+33612345678")
        partner.country_id = False  # the company's country (Canada) then
        partner.phone = "(514) 555-0199"
        self.assertEqual(partner._fap_get_sms_number(), "+15145550199")

    def test_twilio_down_email_still_goes_and_sms_fails_with_its_reason_then_resends(self):
        partner = self._customer("Nadia Pelletier")
        quote = self._quote(partner)
        self.sandbox.twilio.outage = 503
        self.addCleanup(setattr, self.sandbox.twilio, "outage", None)
        with self.smtp_live():
            self.send(quote)
        self.assertEqual(len(self.received_emails(partner)), 1)
        self.assertEqual(quote.state, "sent")
        [notification] = self.chatter_notifications(quote, "sms")
        self.assertEqual(notification.notification_status, "exception")
        self.assertEqual(notification.failure_reason, "Service Unavailable")
        self.assertFalse(self.received_sms(partner))

        # Odoo's standard « Resend » of failed SMS, once Twilio is back.
        self.sandbox.twilio.outage = None
        failed = self.env["sms.sms"].search([("mail_message_id", "=", notification.mail_message_id.id)])
        failed.resend_failed()
        [sms] = self.received_sms(partner)
        self.assertIn(quote.name, sms["body"])
        self.assertEqual(notification.notification_status, "pending")

    def test_twilio_refuses_the_number(self):
        partner = self._customer("Rémi Fortin", phone="514 555 0009")  # not SMS-capable for the sandbox
        invoice = self._invoice(partner)
        with self.smtp_live():
            self.send(invoice)
        self.assertEqual(len(self.received_emails(partner)), 1)
        [notification] = self.chatter_notifications(invoice, "sms")
        self.assertEqual(notification.notification_status, "exception")
        self.assertIn("not a valid mobile number", notification.failure_reason)

    def test_undelivered_sms_shows_why_after_the_status_callback(self):
        partner = self._customer("Sophie Gauthier", phone="514 555 0666")  # accepted, then undelivered
        invoice = self._invoice(partner)
        self.send(invoice)
        [notification] = self.chatter_notifications(invoice, "sms")
        self.assertEqual(notification.notification_status, "pending")
        self.deliver_callbacks()
        self.assertEqual(self.received_sms(partner)[0]["status_history"], ["queued", "sent", "undelivered"])
        self.assertEqual(notification.notification_status, "bounce", "shown as failed in the chatter")
        self.assertEqual(notification.failure_reason, "Unreachable destination handset")

    def test_email_that_cannot_be_sent_shows_in_the_chatter(self):
        partner = self._customer("Inès Courrielle")
        quote = self._quote(partner)
        with socket.socket() as closed:  # a port nobody listens on: the connection is refused
            closed.bind(("127.0.0.1", 0))
            self.mail_server.smtp_port = closed.getsockname()[1]
        with self.smtp_live():
            self.send(quote)
        self.assertFalse(self.received_emails(partner))
        [notification] = self.chatter_notifications(quote, "email")
        self.assertEqual(notification.notification_status, "exception")
        self.assertTrue(notification.failure_type)
        self.assertEqual(len(self.received_sms(partner)), 1, "the SMS still goes")

    def test_cancelled_quote(self):
        partner = self._customer("Yves Morin")
        quote = self._quote(partner)
        quote._action_cancel()
        with self.smtp_live(), self.assertRaisesRegex(UserError, f"The quote {quote.name} is cancelled"):
            self.send(quote)
        self.assertNothingSent(quote)

    def test_draft_invoice_is_posted_first_only_when_the_merchant_confirms(self):
        partner = self._customer("Hélène Roy")
        invoice = self._invoice(partner, post=False)
        with self.smtp_live(), self.assertRaisesRegex(UserError, "is a draft: confirm it before sending"):
            self.send(invoice)
        self.assertEqual(invoice.state, "draft")
        self.assertNothingSent(invoice)
        # The form's button for a draft asks to confirm, then passes fap_post_draft.
        with self.smtp_live():
            self.send(invoice.with_context(fap_post_draft=True))
        self.assertEqual(invoice.state, "posted")
        self.assertTrue(invoice.is_move_sent)
        self.assertEqual(len(self.received_emails(partner)), 1)
        self.assertEqual(len(self.received_sms(partner)), 1)

    def test_cancelled_invoice(self):
        partner = self._customer("Marc Dubé")
        invoice = self._invoice(partner)
        invoice.button_cancel()
        with self.assertRaisesRegex(UserError, "is cancelled"):
            self.send(invoice)
        self.assertNothingSent(invoice)


@tagged("post_install", "-at_install")
class TestSendChannels(FapSendCase):
    """The customer's preference narrows the channels."""

    def test_email_only(self):
        partner = self._customer("Claire Email", fap_channel="email")
        quote = self._quote(partner)
        with self.smtp_live():
            self.send(quote)
        self.assertEqual(len(self.received_emails(partner)), 1)
        self.assertFalse(self.received_sms(partner))
        self.assertFalse(self.chatter_notifications(quote, "sms"))

    def test_sms_only(self):
        partner = self._customer("Simon Texto", fap_channel="sms")
        invoice = self._invoice(partner)
        with self.smtp_live():
            self.send(invoice)
        self.assertFalse(self.received_emails(partner))
        self.assertEqual(len(self.received_sms(partner)), 1)
        self.assertFalse(self.chatter_notifications(invoice, "email"))
        self.assertTrue(invoice.is_move_sent)

    def test_both_by_default_and_only_what_exists(self):
        partner = self._customer("Olivier Courriel", phone=False)
        self.assertEqual(partner.fap_channel, "both")
        quote = self._quote(partner)
        with self.smtp_live():
            action = self.send(quote)
        self.assertEqual(len(self.received_emails(partner)), 1)
        self.assertIn("email", action["params"]["message"])
        self.assertNotIn("SMS", action["params"]["message"])

    def test_sms_only_without_phone_says_so(self):
        partner = self._customer("Paula Sansfil", phone=False, fap_channel="sms")
        quote = self._quote(partner)
        with self.smtp_live(), self.assertRaisesRegex(UserError, "Paula Sansfil has no email address nor valid"):
            self.send(quote)
        self.assertFalse(self.received_emails(partner))
