from unittest.mock import patch

from odoo.tests import tagged

from .send_common import FapSendCase


@tagged("post_install", "-at_install")
class TestSendMass(FapSendCase):
    """Mass « Enregistrer et envoyer » from the list: queued, sent by the cron in committed batches."""

    def run_cron(self):
        """Run the cron's action like the scheduler does; its batch commits are counted, not done."""
        cron = self.env.ref("facture_a_payer.ir_cron_fap_send_jobs")
        IrCron = self.registry["ir.cron"]
        with patch.object(IrCron, "_commit_progress", autospec=True, return_value=float("inf")) as commits:
            cron.ir_actions_server_id.with_user(cron.user_id).run()
        return commits

    def test_mass_sending_of_50_invoices_sends_each_once(self):
        partners = self.env["res.partner"]
        for index in range(50):
            partners |= self._customer(f"Client {index:02d}", lang="fr_CA" if index % 2 else "en_US")
        invoices = self.env["account.move"]
        for partner in partners:
            invoices |= self._invoice(partner, price=100.0 + partner.id)
        # Selected twice (e.g. two pages of the list): still one job entry per invoice.
        action = (invoices | invoices[:10]).action_fap_mass_send()
        self.assertEqual(action["params"]["type"], "info")
        self.assertEqual(set(invoices.mapped("fap_send_state")), {"queued"})
        job = invoices[0].fap_send_job_id
        self.assertEqual(job.total_count, 50)
        self.assertTrue(
            self.env["ir.cron.trigger"].search(
                [("cron_id", "=", self.env.ref("facture_a_payer.ir_cron_fap_send_jobs").id)]
            ),
            "the cron is triggered, the merchant's screen does not wait",
        )
        self.assertEqual(len(self.sandbox.twilio.messages), self.sent_before[1], "nothing sent while queuing")
        self.assertEqual(job.progress, 0.0)

        with self.smtp_live():
            commits = self.run_cron()
        batches = [call for call in commits.call_args_list if call.args[1:]]  # the others commit one SMS each
        self.assertEqual([call.args[1] for call in batches], [50], "one committed batch of 50")
        self.assertEqual(commits.call_count, 51, "then each SMS's answer committed alone")
        for invoice in invoices:
            partner = invoice.partner_id
            self.assertEqual(len(self.received_sms(partner)), 1, partner.name)
            self.assertEqual(len(self.received_emails(partner)), 1, partner.name)
            self.assertIn(invoice.name, self.received_sms(partner)[0]["body"])
        self.assertEqual(set(invoices.mapped("fap_send_state")), {"sent"})
        self.assertTrue(all(invoices.mapped("is_move_sent")))
        self.assertEqual((job.state, job.sent_count, job.failed_count), ("done", 50, 0))

        # The cron running again (or late) sends nothing more.
        with self.smtp_live():
            self.run_cron()
        self.assertEqual(len(self.sandbox.twilio.messages), self.sent_before[1] + 50)
        self.assertEqual(len(self.sandbox.mail.messages), self.sent_before[0] + 50)

    def test_failures_are_shown_on_their_records_and_do_not_stop_the_others(self):
        good = self._quote(self._customer("Bonne Cliente"))
        unreachable = self._quote(self._customer("Sans Contact", email=False, phone=False))
        bad_phone = self._quote(self._customer("Mauvais Numéro", phone="123"))
        cancelled = self._quote(self._customer("Annulée"))
        cancelled._action_cancel()
        quotes = good | unreachable | bad_phone | cancelled
        quotes.action_fap_mass_send()
        with self.smtp_live():
            self.run_cron()
        self.assertEqual(good.fap_send_state, "sent")
        self.assertEqual(good.state, "sent")
        self.assertEqual(unreachable.fap_send_state, "failed")
        self.assertIn("Sans Contact has no email address nor valid", unreachable.fap_send_error)
        self.assertEqual(bad_phone.fap_send_state, "failed")
        self.assertIn("« 123 »", bad_phone.fap_send_error)
        self.assertFalse(self.received_emails(bad_phone.partner_id), "nothing sent for a failed document")
        self.assertIn("cancelled", cancelled.fap_send_error)
        job = good.fap_send_job_id
        self.assertEqual((job.state, job.sent_count, job.failed_count), ("done", 1, 3))
        # « Envois groupés » shows the sending done, and opens exactly the documents that failed.
        self.assertEqual(job.progress, 100.0)
        failed = job.action_fap_open_failed()
        self.assertEqual(self.env["sale.order"].search(failed["domain"]), unreachable | bad_phone | cancelled)
        self.assertEqual(self.env["sale.order"].search(job.action_fap_open_documents()["domain"]), quotes)
        self.assertIn("4 quotes queued on", job.display_name)
        self.assertIn("4 soumissions mises en file le", job.with_context(lang="fr_CA").display_name)
        # Sending one again from its form clears the failure.
        bad_phone.partner_id.phone = "514 555 0777"
        with self.smtp_live():
            self.send(bad_phone)
        self.assertEqual((bad_phone.fap_send_state, bad_phone.fap_send_error), ("sent", False))
