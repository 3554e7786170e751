from fap_sandbox.twilio import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, DEMO_NUMBERS

from odoo.tests import tagged

from .send_common import FapSendCase


@tagged("post_install", "-at_install")
class TestSendStatus(FapSendCase):
    """Twilio's status callbacks reach the SMS of the record."""

    def test_delivery_reaches_the_record_after_the_sms_was_cleaned_up(self):
        # Twilio set on the merchant's company, not on the company of the public user who posts callbacks.
        merchant = self.env["res.company"].create(
            {
                "name": "Plomberie Autre inc.",
                "sms_provider": "twilio",
                "sms_twilio_account_sid": DEMO_ACCOUNT_SID,
                "sms_twilio_auth_token": DEMO_AUTH_TOKEN,
                "sms_twilio_number_ids": [(0, 0, {"number": DEMO_NUMBERS[0], "country_id": self.canada.id})],
            }
        )
        self.env.ref("base.public_user").company_id.sms_twilio_auth_token = False
        partner = self._customer("Xavier Nadeau", company_id=merchant.id)
        partner.with_company(merchant)._message_sms("Bonjour", partner_ids=partner.ids)
        [sms] = self.received_sms(partner)
        notification = self.env["mail.notification"].search([("res_partner_id", "=", partner.id)])
        self.assertEqual(notification.notification_status, "pending")
        # The daily autovacuum deletes the sent sms.sms before Twilio's later callbacks.
        self.env.flush_all()
        self.env["sms.sms"]._gc_device()
        self.assertFalse(self.env["sms.sms"].search([]))
        self.deliver_callbacks()
        self.assertEqual(sms["status_history"], ["queued", "sent", "delivered"])
        self.assertEqual(notification.notification_status, "sent")
