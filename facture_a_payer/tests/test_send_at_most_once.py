from contextlib import contextmanager
from unittest.mock import patch

import requests
from fap_sandbox.twilio import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import tagged

from ..tools.twilio_api import SmsApiTwilioConfigurable
from .send_common import FapSendCase


class WorkerKilled(BaseException):
    """The cron's process dying: no ``except Exception`` of the code under test catches it."""


@tagged("post_install", "-at_install")
class TestSendAtMostOnce(FapSendCase):
    """The mass sending's SMS go out at most once, even when the cron dies while Twilio accepts them."""

    def run_cron(self, xmlid=None):
        """Run the sending cron ``xmlid`` as the scheduler does (its slot of the documents), or without one every
        slot, on a cursor of its own (a test cursor: its commits hold for the rest of the test; an exception goes
        back to the last commit, as a crash would)."""
        self.env.flush_all()
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                cron = env.ref(xmlid or "facture_a_payer.ir_cron_fap_send_jobs")
                action = cron.ir_actions_server_id.with_user(cron.user_id)
                (action.with_context(cron_id=cron.id) if xmlid else action).run()
        finally:
            self.env.invalidate_all()

    @contextmanager
    def killed_after_twilio_accepts(self, partner):
        """The cron's process dies right after Twilio answered that it accepted the SMS to ``partner``."""
        send_request = SmsApiTwilioConfigurable._sms_twilio_send_request
        number = partner._fap_get_sms_number()

        def send_then_die(sms_api, session, to_number, body, uuid):
            response = send_request(sms_api, session, to_number, body, uuid)
            if to_number == number and response is not None and response.ok:
                raise WorkerKilled(to_number)
            return response

        # Not Odoo's assertRaises: it rolls back to a savepoint of its own, which would also undo what the
        # cron committed before dying.
        with patch.object(SmsApiTwilioConfigurable, "_sms_twilio_send_request", send_then_die):
            try:
                yield
            except WorkerKilled:
                return
        self.fail(f"the cron did not send the SMS to {number}")

    def held_sms(self):
        return self.env["sms.sms"].search([("fap_sending", "=", True)])

    def test_the_sms_twilio_accepted_before_the_crash_is_not_sent_again(self):
        partners = [self._customer(f"Client {index}") for index in range(3)]
        quotes = self.env["sale.order"].concat(*(self._quote(partner) for partner in partners))
        quotes.action_fap_mass_send()
        job = quotes[0].fap_send_job_id
        with self.smtp_live(), self.killed_after_twilio_accepts(partners[1]):
            self.run_cron()
        # What the crash left: the batch committed with its SMS held; the first one's answer committed (it is
        # released), the second one at Twilio but its answer lost with the crash, the third one not sent.
        self.assertEqual(len(self.held_sms()), 2)
        self.assertEqual([len(self.received_sms(partner)) for partner in partners], [1, 1, 0])
        [accepted] = self.received_sms(partners[1])

        with self.smtp_live():
            self.run_cron()
        for partner in partners:
            self.assertEqual(len(self.received_sms(partner)), 1, partner.name)
            self.assertEqual(len(self.received_emails(partner)), 1, partner.name)
        self.assertEqual(set(quotes.mapped("fap_send_state")), {"sent"})
        self.assertEqual(set(quotes.mapped("state")), {"sent"})
        self.assertEqual((job.state, job.sent_count, job.failed_count), ("done", 3, 0))
        self.assertFalse(self.held_sms())
        # The chatter shows the SMS sent, and Twilio's status callbacks of the message sent before the crash
        # reach it: it is that message, adopted, not a new one.
        notification = self.chatter_notifications(quotes[1], "sms")
        self.assertEqual(notification.notification_status, "pending")
        self.assertEqual(notification.sms_tracker_ids.sms_twilio_sid, accepted["sid"])
        self.deliver_callbacks()
        self.assertEqual(accepted["status_history"], ["queued", "sent", "delivered"])
        self.assertEqual(notification.notification_status, "sent")

        # Running again sends nothing more.
        with self.smtp_live():
            self.run_cron()
        self.assertEqual(len(self.sandbox.twilio.messages), self.sent_before[1] + 3)

    def test_two_sending_crons_share_a_sending_and_each_settles_only_its_own_held_sms(self):
        partners = [self._customer(f"Cliente {index}") for index in range(4)]
        quotes = self.env["sale.order"].concat(*(self._quote(partner) for partner in partners))
        quotes.action_fap_mass_send()
        job = quotes[0].fap_send_job_id
        crons = self.env["facture_a_payer.send.job"]._fap_send_crons()
        self.assertEqual(
            crons.mapped(lambda cron: cron.get_external_id()[cron.id]),
            ["facture_a_payer.ir_cron_fap_send_jobs", "facture_a_payer.ir_cron_fap_send_jobs_2"],
        )
        self.assertEqual(set(self.env["ir.cron.trigger"].search([("cron_id", "in", crons.ids)]).cron_id), set(crons))
        first = quotes.filtered(lambda quote: quote.id % 2 == 0)
        second = quotes - first
        self.assertEqual((len(first), len(second)), (2, 2))
        # The first sender dies right after Twilio accepted the SMS of its first quote.
        with self.smtp_live(), self.killed_after_twilio_accepts(first[0].partner_id):
            self.run_cron("facture_a_payer.ir_cron_fap_send_jobs")
        self.assertEqual(set(first.mapped("fap_send_state")), {"sent"})
        self.assertEqual(set(second.mapped("fap_send_state")), {"queued"}, "the other slot's are left to it")
        self.assertEqual(len(self.held_sms()), 2)

        # The second sender, running meanwhile, sends its own and leaves the first one's held SMS alone: for all
        # it knows, the first sender is alive and about to hand them to Twilio.
        with self.smtp_live():
            self.run_cron("facture_a_payer.ir_cron_fap_send_jobs_2")
        self.assertEqual(set(second.mapped("fap_send_state")), {"sent"})
        self.assertEqual([len(self.received_sms(quote.partner_id)) for quote in second], [1, 1])
        self.assertEqual(len(self.held_sms()), 2)
        self.assertEqual([len(self.received_sms(quote.partner_id)) for quote in first], [1, 0])

        # The first sender's next run settles them: the accepted one adopted, the other sent, each once.
        with self.smtp_live():
            self.run_cron("facture_a_payer.ir_cron_fap_send_jobs")
        for partner in partners:
            self.assertEqual(len(self.received_sms(partner)), 1, partner.name)
            self.assertEqual(len(self.received_emails(partner)), 1, partner.name)
        self.assertFalse(self.held_sms())
        self.assertEqual((job.state, job.sent_count, job.failed_count, job.progress), ("done", 4, 0, 100.0))
        self.assertIn(job, self.env["facture_a_payer.send.job"].search([("state", "=", "done")]))
        self.assertNotIn(job, self.env["facture_a_payer.send.job"].search([("state", "=", "queued")]))

    def test_an_sms_twilio_cannot_tell_about_is_failed_with_the_reason_and_not_sent_again(self):
        partner = self._customer("Hélène Roy")
        invoice = self._invoice(partner)
        invoice.action_fap_mass_send()
        with self.smtp_live(), self.killed_after_twilio_accepts(partner):
            self.run_cron()
        self.sandbox.twilio.outage = 503
        self.addCleanup(setattr, self.sandbox.twilio, "outage", None)
        with self.smtp_live():
            self.run_cron()

        self.assertEqual(invoice.fap_send_state, "failed")
        self.assertIn(f"SMS to {partner._fap_get_sms_number()}", invoice.fap_send_error)
        self.assertIn("Twilio could not tell whether it received it", invoice.fap_send_error)
        self.assertIn("check with the customer before resending it", invoice.fap_send_error)
        [notification] = self.chatter_notifications(invoice, "sms")
        self.assertEqual(notification.notification_status, "exception")
        self.assertIn("503 Service Unavailable", notification.failure_reason)
        job = invoice.fap_send_job_id
        self.assertEqual((job.state, job.sent_count, job.failed_count), ("done", 0, 1))

        # Twilio back: the SMS in doubt stays as it is, sent once.
        self.sandbox.twilio.outage = None
        with self.smtp_live():
            self.run_cron()
        self.assertEqual(len(self.received_sms(partner)), 1)
        self.assertEqual(len(self.received_emails(partner)), 1)
        self.assertEqual(invoice.fap_send_state, "failed")

    def test_an_sms_twilio_refuses_fails_its_document_in_the_sending_column(self):
        partner = self._customer("Rémi Fortin", phone="514 555 0009")  # not SMS-capable for the sandbox
        quote = self._quote(partner)
        quote.action_fap_mass_send()
        with self.smtp_live():
            self.run_cron()
        self.assertEqual(len(self.received_emails(partner)), 1)
        self.assertFalse(self.received_sms(partner))
        self.assertEqual(quote.fap_send_state, "failed")
        self.assertIn("SMS to +15145550009", quote.fap_send_error)
        self.assertIn("not a valid mobile number", quote.fap_send_error)
        job = quote.fap_send_job_id
        self.assertEqual((job.state, job.sent_count, job.failed_count), ("done", 0, 1))

    def test_twilios_list_shows_an_accepted_sms_not_sent_yet_only_without_a_date_sent_filter(self):
        partner = self._customer("Léa Gagnon")
        number = partner._fap_get_sms_number()
        partner._message_sms("Bonjour", partner_ids=partner.ids)
        [accepted] = self.received_sms(partner)
        sms_api = self.company._get_sms_api_class()(self.env)
        messages, complete = sms_api._fap_list_messages(number)
        self.assertTrue(complete)
        self.assertEqual(
            [(m["sid"], m["status"], m["date_sent"]) for m in messages], [(accepted["sid"], "queued", None)]
        )
        # Twilio's DateSent filters select on date_sent: they hide a message Twilio has not sent yet.
        today = fields.Date.to_string(fields.Date.today())
        url = f"{self.sandbox.url}/twilio/2010-04-01/Accounts/{DEMO_ACCOUNT_SID}/Messages.json"
        query = {"To": number, "DateSent>": today}

        def list_sent():
            response = requests.get(url, params=query, auth=(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN), timeout=5)
            return [message["sid"] for message in response.json()["messages"]]

        self.assertEqual(list_sent(), [])
        self.deliver_callbacks()
        self.assertEqual(list_sent(), [accepted["sid"]])
