"""The customer's view of a reminder, on a phone (390 × 844): the email and the SMS, in French.

    FAP_DB=fap_test FAP_REUSE_DB=1 ./dev test docs/screenshots/take_reminder_screenshots.py

Sends two invoices to Élise Tremblay, runs the reminder cron on the day of their reminder (grouped in one message),
then has Chromium photograph the sandbox's pages: the email (``reminder-email-fr.png``) and the phone's inbox
with the SMS (``reminder-sms-fr.png``).
"""

from datetime import timedelta

from freezegun import freeze_time
from phone_screenshot import phone_screenshot

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.facture_a_payer.tests.send_common import FapSendCase


@tagged("post_install", "-at_install")
class TakeReminderScreenshots(FapSendCase):
    def test_take_reminder_screenshots(self):
        self.company.write({"name": "Plomberie Tremblay", "fap_reminders": True})
        self.company.partner_id.tz = "America/Montreal"
        self.env["facture_a_payer.reminder.step"]._fap_create_default_cadence(self.company)
        partner = self._customer("Élise Tremblay", tz="America/Montreal")
        today = fields.Date.context_today(self.env.user)
        invoices = self.env["account.move"]
        for price in (340.0, 1250.0):
            invoice = self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_line_ids": [
                        Command.create({"product_id": self.product.id, "price_unit": price, "tax_ids": False})
                    ],
                }
            )
            invoice.action_post()
            invoice.invoice_date_due = today - timedelta(days=7)
            invoices |= invoice
        with freeze_time(today - timedelta(days=20)), self.smtp_live():
            for invoice in invoices:
                invoice.action_fap_save_and_send()
        self.run_reminder_cron(f"{today} 15:00")
        self.deliver_callbacks()
        email = len(self.sandbox.mail.messages) - 1
        self.assertIn("rappel", self.sandbox.mail.messages[email]["subject"])
        phone_screenshot(f"{self.sandbox.url}/mail/{email}", "reminder-email-fr.png", 780)
        phone_screenshot(self.sandbox.url, "reminder-sms-fr.png", 844)
