import requests
from fap_sandbox.twilio import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, DEMO_NUMBERS

from odoo.tests import tagged

from .common import FapSandboxCase


@tagged("post_install", "-at_install")
class TestSandboxTwilio(FapSandboxCase):
    """The sandbox's Twilio through real HTTP, and Odoo's own ``sms_twilio`` code talking to it."""

    def setUp(self):
        super().setUp()
        self.sandbox.reset()

    def _post_message(self, to, token=DEMO_AUTH_TOKEN, sender=DEMO_NUMBERS[0]):
        return requests.post(
            f"{self.sandbox.url}/twilio/2010-04-01/Accounts/{DEMO_ACCOUNT_SID}/Messages.json",
            auth=(DEMO_ACCOUNT_SID, token),
            data={"To": to, "From": sender, "Body": "Bonjour"},
            timeout=5,
        )

    def _sms_to(self, phone, name="Élise Tremblay"):
        """Odoo sends an SMS to a new customer; returns the customer's SMS notification."""
        partner = self.env["res.partner"].create({"name": name, "phone": phone})
        partner._message_sms("Votre soumission est prête", partner_ids=partner.ids)
        return self.env["mail.notification"].search(
            [("res_partner_id", "=", partner.id), ("notification_type", "=", "sms")], limit=1
        )

    def test_the_api_refuses_wrong_credentials_like_twilio(self):
        response = self._post_message("+15145550142", token="not-the-token")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], 20003)
        self.assertEqual(self.sandbox.twilio.messages, [])

    def test_the_api_accepts_a_message_with_201_and_twilios_resource(self):
        response = self._post_message("+15145550142")
        self.assertEqual(response.status_code, 201)
        resource = response.json()
        self.assertRegex(resource["sid"], r"^SM[0-9a-f]{32}$")
        self.assertEqual(
            (resource["to"], resource["from"], resource["status"]), ("+15145550142", "+15145550100", "queued")
        )
        self.assertEqual(self.sandbox.twilio.find(to="+15145550142")[0]["body"], "Bonjour")

    def test_the_api_answers_twilios_error_codes_for_bad_numbers(self):
        invalid, landline = self._post_message("+15145550001"), self._post_message("+15145550009")
        self.assertEqual((invalid.status_code, invalid.json()["code"]), (400, 21211))
        self.assertEqual((landline.status_code, landline.json()["code"]), (400, 21614))

    def test_sms_sent_by_odoo_reaches_the_sandbox_and_its_callbacks_update_odoo(self):
        notification = self._sms_to("+1 514 555 0142")
        [message] = self.sandbox.twilio.find(to="+15145550142")
        self.assertEqual(message["body"], "Votre soumission est prête")
        self.assertEqual(message["from"], "+15145550100")
        self.assertEqual(notification.notification_status, "pending")
        delivered = self.deliver_callbacks()
        self.assertEqual([callback.attempts[-1][0] for callback in delivered], [200, 200])
        self.assertEqual(message["status_history"], ["queued", "sent", "delivered"])
        self.assertEqual(notification.notification_status, "sent")

    def test_odoo_shows_the_reason_when_twilio_refuses_the_number(self):
        for phone in ("+1 514 555 0001", "+1 514 555 0009"):
            notification = self._sms_to(phone)
            self.assertEqual(notification.notification_status, "exception", phone)
            self.assertEqual(notification.failure_type, "sms_number_format", phone)
        self.assertEqual(self.sandbox.twilio.messages, [])

    def test_an_undelivered_sms_bounces_in_odoo_with_the_reason(self):
        notification = self._sms_to("+1 514 555 0666")
        self.deliver_callbacks()
        [message] = self.sandbox.twilio.find(to="+15145550666")
        self.assertEqual(message["status_history"], ["queued", "sent", "undelivered"])
        self.assertEqual(notification.notification_status, "bounce")
        self.assertEqual(notification.failure_type, "sms_invalid_destination")
        self.assertEqual(notification.failure_reason, "Unreachable destination handset")

    def test_a_failed_sms_is_an_exception_in_odoo_with_the_reason(self):
        notification = self._sms_to("+1 514 555 0667")
        self.deliver_callbacks()
        self.assertEqual(notification.notification_status, "exception")
        self.assertEqual(notification.failure_type, "sms_not_delivered")
        self.assertEqual(notification.failure_reason, "Unknown error")

    def test_odoo_refuses_a_status_callback_with_a_forged_signature(self):
        notification = self._sms_to("+1 514 555 0142")
        [callback] = self.sandbox.pending
        self.assertRegex(callback.url, r"/sms_twilio/status/[0-9a-f]{32}$")
        signature = callback.headers["X-Twilio-Signature"]
        forged = dict(callback.data, SmsStatus="delivered", MessageStatus="delivered")
        response = self.url_open(callback.url, data=forged, headers={"X-Twilio-Signature": signature})
        self.assertEqual(response.status_code, 404)
        self.env.invalidate_all()
        self.assertEqual(notification.notification_status, "pending")
        # The genuine callback, signed by the sandbox with the auth token, goes through Odoo's real route.
        self.deliver_callbacks()
        self.assertEqual(callback.attempts[0], (200, "OK"))
        self.assertEqual(notification.notification_status, "sent")

    def test_a_twilio_outage_leaves_the_sms_in_exception_with_twilios_message(self):
        self.sandbox.twilio.outage = 503
        with self.assertLogs("odoo.addons.sms_twilio.tools.sms_api", "WARNING"):
            notification = self._sms_to("+1 514 555 0142")
        self.assertEqual(notification.notification_status, "exception")
        self.assertEqual(notification.failure_reason, "Service Unavailable")
        self.assertEqual(self.sandbox.twilio.messages, [])

    def test_the_customer_answers_stop_from_the_phone_page_and_twilio_then_refuses_21610(self):
        notification = self._sms_to("+1 514 555 0143")
        partner = notification.res_partner_id
        self.assertIn(
            '<form class="reply" method="post" action="/reply">', requests.get(self.sandbox.url, timeout=5).text
        )
        self.deliver_callbacks()
        response = requests.post(
            f"{self.sandbox.url}/reply",
            data={"from": "+15145550143", "to": DEMO_NUMBERS[0], "body": "STOP"},
            allow_redirects=False,
            timeout=5,
        )
        self.assertEqual(response.status_code, 303)
        [reply] = self.deliver_callbacks()
        self.assertTrue(reply.url.endswith("/facture_a_payer/twilio/inbound"), "posted, signed, to Odoo")
        self.assertTrue(partner.fap_sms_opted_out)
        self.assertEqual(partner.fap_consent_ids.source, "sms_reply")
        refused = self._post_message("+15145550143")
        self.assertEqual((refused.status_code, refused.json()["code"]), (400, 21610))
        requests.post(
            f"{self.sandbox.url}/reply",
            data={"from": "+15145550143", "to": DEMO_NUMBERS[0], "body": "START"},
            timeout=5,
        )
        self.deliver_callbacks()
        self.assertFalse(partner.fap_sms_opted_out)
        self.assertEqual(self._post_message("+15145550143").status_code, 201)
