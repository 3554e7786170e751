import importlib.util
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from fap_sandbox.twilio import DEMO_ACCOUNT_SID, DEMO_NUMBERS, twilio_signature
from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import file_path

from .send_common import FapSendCase

INBOUND = "/facture_a_payer/twilio/inbound"
# GSM 03.38's basic character set (and the extension table's characters an SMS may hold): one segment is 160 of them.
GSM_7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


@tagged("post_install", "-at_install")
class TestReminders(FapSendCase):
    """« Relances »: the cadence, the customer's hours, grouping, stops and opt-outs, on a frozen clock, through the
    sandbox's Twilio and SMTP sink. Montréal is UTC-5 in winter: 15:00 UTC is 10:00 there."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "America/Montreal"
        cls.company.write(
            {
                "fap_reminders": True,
                "fap_reminder_hour_from": 9.0,
                "fap_reminder_hour_to": 20.0,
                "fap_reminder_skip_sunday": True,
                "fap_reminder_skip_holidays": True,
            }
        )
        cls.env["facture_a_payer.reminder.step"]._fap_create_default_cadence(cls.company)

    @contextmanager
    def at(self, moment):
        """The clock at ``moment`` (UTC, ``YYYY-MM-DD HH:MM``), emails really sent to the sandbox."""
        with freeze_time(moment), self.smtp_live():
            yield

    def run_reminders(self, moment):
        self.run_reminder_cron(moment)

    def _due_invoice(self, partner, due, price=180.0, sent="2026-03-02 15:00"):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": sent[:10],
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create({"product_id": self.product.id, "price_unit": price, "tax_ids": False})
                ],
            }
        )
        invoice.action_post()
        invoice.invoice_date_due = due
        with self.at(sent):
            self.send(invoice)
        return invoice

    def reminder_days(self, partner, start, end, hour="15:00"):
        """Run the cron every day from ``start`` to ``end`` at ``hour`` UTC: the days the customer got an SMS."""
        days = []
        day = date.fromisoformat(start)
        while day <= date.fromisoformat(end):
            before = len(self.received_sms(partner))
            self.run_reminders(f"{day} {hour}")
            if len(self.received_sms(partner)) > before:
                days.append(str(day))
            day += timedelta(days=1)
        return days

    def test_documents_sent_before_reminders_existed_get_their_next_reminder_planned(self):
        partner = self._customer(name="Client d'avant")
        quote = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "fap_flow": True,
                "date_order": "2026-03-02 15:00:00",
                "order_line": [Command.create({"product_id": self.product.id, "price_unit": 100.0})],
            }
        )
        quote.state = "sent"
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "fap_flow": True,
                "invoice_date": "2026-03-02",
                "invoice_line_ids": [Command.create({"product_id": self.product.id, "price_unit": 100.0})],
            }
        )
        invoice.action_post()
        invoice.write({"is_move_sent": True, "invoice_date_due": date(2026, 3, 31)})
        draft = self.env["sale.order"].create({"partner_id": partner.id, "fap_flow": True})
        self.assertFalse(quote.fap_next_reminder_date or invoice.fap_next_reminder_date)

        # The module's migration (19.0.1.2.0) plans them, the documents' own dates standing for their sending.
        spec = importlib.util.spec_from_file_location(
            "fap_post_migrate", file_path("facture_a_payer/migrations/19.0.1.2.0/post-migrate.py")
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        with freeze_time("2026-03-03 15:00"):
            module.migrate(self.env.cr, "19.0.1.1.0")
            module.migrate(self.env.cr, "19.0.1.1.0")
            self.env.invalidate_all()
            self.assertEqual((quote.fap_reminder_status, invoice.fap_reminder_status), ("planned", "planned"))
            self.assertEqual(draft.fap_reminder_status, "none", "a draft was never sent")
        self.assertEqual(quote.fap_next_reminder_date, date(2026, 3, 5), "3 days after sending")
        self.assertEqual(invoice.fap_next_reminder_date, date(2026, 3, 28), "3 days before the due date")

    def test_each_step_of_the_invoice_cadence_fires_once_on_its_day(self):
        partner = self._customer("Élise Tremblay", tz="America/Montreal")
        invoice = self._due_invoice(partner, "2026-03-16")
        self.assertEqual(invoice.fap_next_reminder_date, date(2026, 3, 13))
        self.assertEqual(invoice.fap_next_reminder_step_id.display_name, "3 days before the due date")
        self.assertEqual(invoice.fap_reminder_status, "planned")
        # 3 days before (Friday), on the due date, 7 and 14 days late (Mondays).
        days = self.reminder_days(partner, "2026-03-03", "2026-04-02")
        self.assertEqual(days, ["2026-03-13", "2026-03-16", "2026-03-23", "2026-03-30"])
        self.assertEqual(len(self.received_sms(partner)), 5, "the sending and four reminders")
        self.assertEqual(len(self.received_emails(partner)), 5)
        reminders = self.received_sms(partner)[1:]
        amount = invoice.with_context(lang="fr_CA")._fap_get_sms_amount(180.0)
        self.assertIn(f"rappel, facture {invoice.name}, {amount} à payer d'ici le 2026-03-16.", reminders[0]["body"])
        self.assertIn("7 jours de retard", reminders[2]["body"])
        self.assertIn("14 jours de retard", reminders[3]["body"])
        for sms in reminders:
            self.assertRegex(sms["body"], r"https?://\S+/p/[A-Za-z0-9_-]{22}$")
            self.assertLessEqual(len(sms["body"]), 160, sms["body"])
            self.assertEqual(set(sms["body"]) - GSM_7, set(), "one segment in the GSM alphabet")
        last_email = self.received_emails(partner)[-1]
        self.assertIn(f"rappel, facture {invoice.name}", last_email["subject"])
        self.assertIn("14 jours de retard", last_email["html"])
        self.assertEqual(self.button_link(last_email), invoice._fap_get_share_url())
        self.assertEqual(self.qr_codes(last_email), [invoice._fap_get_share_url()])
        self.assertIn("/facture_a_payer/unsubscribe/", last_email["html"])
        self.assertEqual(
            invoice.fap_reminder_ids.sorted("sent_at").mapped("step_name"),
            [
                "3 days before the due date",
                "On the due date",
                "7 days after the due date",
                "14 days after the due date",
            ],
        )
        self.assertEqual(set(invoice.fap_reminder_ids.mapped("state")), {"sent"})
        self.assertEqual(invoice.fap_reminder_status, "none", "the cadence is over")
        # The chatter shows each reminder with its delivery state, as the first sending.
        self.assertEqual(len(self.chatter_notifications(invoice, "sms")), 5)
        self.assertEqual(len(self.chatter_notifications(invoice, "email")), 5)

    def test_quiet_hours_wait_for_nine_on_the_customers_clock(self):
        montreal = self._customer("Marc Gagnon", tz="America/Montreal")
        vancouver = self._customer("Sarah Mitchell", lang="en_US", tz="America/Vancouver")
        # Due Friday 6 March (before daylight saving time): 3 days before is Tuesday 3 March.
        self._due_invoice(montreal, "2026-03-06", sent="2026-02-23 15:00")
        self._due_invoice(vancouver, "2026-03-06", sent="2026-02-23 15:00")
        # 13:59 UTC: 8:59 in Montréal (UTC-5), 5:59 in Vancouver (UTC-8). Nobody.
        self.run_reminders("2026-03-03 13:59")
        self.assertEqual([len(self.received_sms(p)) for p in (montreal, vancouver)], [1, 1])
        # 14:00 UTC: 9:00 in Montréal.
        self.run_reminders("2026-03-03 14:00")
        self.assertEqual([len(self.received_sms(p)) for p in (montreal, vancouver)], [2, 1])
        # 16:59 UTC: 8:59 in Vancouver.
        self.run_reminders("2026-03-03 16:59")
        self.assertEqual([len(self.received_sms(p)) for p in (montreal, vancouver)], [2, 1])
        self.run_reminders("2026-03-03 17:00")
        self.assertEqual([len(self.received_sms(p)) for p in (montreal, vancouver)], [2, 2])
        self.assertIn("reminder, invoice", self.received_sms(vancouver)[-1]["body"])
        # Later the same day: nothing more (never two reminders a day).
        self.run_reminders("2026-03-03 22:00")
        self.assertEqual([len(self.received_sms(p)) for p in (montreal, vancouver)], [2, 2])

    def test_sundays_and_quebec_holidays_wait_for_the_next_working_day(self):
        partner = self._customer("Julie Roy", tz="America/Montreal")
        # Due Wednesday 24 June (Fête nationale): the due-date reminder goes on Thursday.
        invoice = self._due_invoice(partner, "2026-06-24", sent="2026-06-15 15:00")
        self.assertEqual(self.reminder_days(partner, "2026-06-24", "2026-06-25"), ["2026-06-25"])
        # 3 days before the due date of another one falls on Sunday 12 July: Monday.
        invoice = self._due_invoice(partner, "2026-07-15", sent="2026-07-06 15:00")
        self.assertEqual(self.reminder_days(partner, "2026-07-12", "2026-07-13"), ["2026-07-13"])
        self.assertEqual(invoice.fap_reminder_ids.step_name, "3 days before the due date")

    def test_two_invoices_due_the_same_day_make_one_message(self):
        partner = self._customer("Patrick O'Brien", lang="en_US", tz="America/Montreal")
        first = self._due_invoice(partner, "2026-03-16", price=100.0)
        second = self._due_invoice(partner, "2026-03-16", price=250.0)
        self.run_reminders("2026-03-13 15:00")
        [sms] = self.received_sms(partner)[2:]
        amount = first.with_context(lang="en_US")._fap_get_sms_amount(350.0)
        self.assertIn(f"reminder, 2 invoices, {amount} due.", sms["body"])
        [email] = self.received_emails(partner)[2:]
        self.assertIn(first.name, email["html"])
        self.assertIn(second.name, email["html"])
        self.assertIn("(+1)", email["subject"])
        self.assertEqual(first.fap_reminder_ids.state, "sent")
        self.assertEqual(second.fap_reminder_ids.state, "sent")
        self.assertIn(first.name, second.fap_reminder_ids.note)

    def test_the_history_is_in_the_merchants_french_whoever_runs_the_cron(self):
        # A French-speaking salesperson; the cron runs in English (the environment's language), the customer too.
        self.install_french()
        self.env.user.lang = "fr_CA"
        self.assertNotEqual(self.env.lang, "fr_CA")
        partner = self._customer("Patrick O'Brien", lang="en_US", tz="America/Montreal")
        first = self._due_invoice(partner, "2026-03-16", price=100.0)
        second = self._due_invoice(partner, "2026-03-16", price=250.0)
        alone = self._due_invoice(self._customer("Hélène Roy", tz="America/Montreal"), "2026-03-16")
        self.run_reminders("2026-03-13 15:00")
        for reminder in (first | second | alone).fap_reminder_ids:
            self.assertEqual(reminder.step_name, "3 jours avant l'échéance")
            self.assertEqual(reminder.channels, "courriel, SMS")
        self.assertFalse(alone.fap_reminder_ids.note, "no raw « [] » when the message lists no other document")
        self.assertEqual(first.fap_reminder_ids.note, f"Avec {second.name}")
        self.assertEqual(second.fap_reminder_ids.note, f"Dans la relance de {first.name}")

    def test_nothing_after_payment_approval_or_decline(self):
        partner = self._customer("Hélène Roy", tz="America/Montreal")
        paid = self._due_invoice(partner, "2026-03-16")
        with self.at("2026-03-10 15:00"):
            self.env["account.payment.register"].with_context(active_model="account.move", active_ids=paid.ids).create(
                {}
            )._create_payments()
        self.assertIn(paid.payment_state, ("paid", "in_payment"))
        self.assertEqual(paid.fap_reminder_status, "none")
        approved, declined = self._quote(partner), self._quote(partner)
        with self.at("2026-03-02 15:00"):
            self.send(approved)
            self.send(declined)
        self.assertEqual(approved.fap_next_reminder_date, date(2026, 3, 5), "3 days after sending")
        with self.at("2026-03-03 15:00"):
            invoice = approved._fap_confirm_and_invoice()
            declined._fap_decline("Trop cher")
        # The approval's invoice is the customer's to pay: paid at once here, so never reminded either.
        self.assertEqual(invoice.fap_reminder_status, "planned")
        with self.at("2026-03-03 15:30"):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({})._create_payments()
        self.assertEqual(self.reminder_days(partner, "2026-03-04", "2026-03-31"), [])
        self.assertFalse(invoice.fap_reminder_ids)
        for document in (paid, approved, declined):
            self.assertFalse(document.fap_reminder_ids, document.name)
            self.assertFalse(document.fap_next_reminder_date, document.name)

    def test_a_partly_paid_invoice_is_reminded_of_what_remains(self):
        partner = self._customer("Guy Lapointe", tz="America/Montreal")
        invoice = self._due_invoice(partner, "2026-03-16", price=300.0)
        with self.at("2026-03-10 15:00"):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"amount": 100.0})._create_payments()
        self.assertEqual(invoice.payment_state, "partial")
        self.run_reminders("2026-03-13 15:00")
        amount = invoice.with_context(lang="fr_CA")._fap_get_sms_amount(200.0)
        self.assertIn(f"facture {invoice.name}, {amount} à payer", self.received_sms(partner)[-1]["body"])

    def test_quote_reminded_after_sending_and_before_it_expires_never_after(self):
        partner = self._customer("Café du Parc", tz="America/Montreal")
        quote = self._quote(partner, validity_date="2026-03-20")
        with self.at("2026-03-02 15:00"):
            self.send(quote)
        days = self.reminder_days(partner, "2026-03-03", "2026-03-25")
        self.assertEqual(days, ["2026-03-05", "2026-03-18"])
        self.assertIn(f"rappel, soumission {quote.name}", self.received_sms(partner)[-1]["body"])
        self.assertEqual(quote.fap_reminder_status, "none")

    def test_pause_per_document_and_per_customer(self):
        partner = self._customer("Léa Gagnon", tz="America/Montreal")
        invoice = self._due_invoice(partner, "2026-03-16")
        invoice.action_fap_pause_reminders()
        self.assertEqual((invoice.fap_reminder_status, invoice.fap_next_reminder_date), ("paused", False))
        self.assertEqual(self.reminder_days(partner, "2026-03-13", "2026-03-17"), [])
        # Resumed after two steps went by: only the latest is sent, the earlier one is skipped.
        with self.at("2026-03-17 15:00"):
            invoice.action_fap_resume_reminders()
        self.assertEqual(invoice.fap_next_reminder_date, date(2026, 3, 13))
        self.run_reminders("2026-03-17 15:00")
        self.assertEqual(len(self.received_sms(partner)), 2)
        self.assertEqual(
            sorted(invoice.fap_reminder_ids.mapped(lambda r: (r.step_name, r.state))),
            [("3 days before the due date", "skipped"), ("On the due date", "sent")],
        )
        # The whole customer paused: none of their documents.
        other = self._due_invoice(partner, "2026-03-30", sent="2026-03-17 16:00")
        partner.fap_reminder_paused = True
        self.assertEqual((invoice | other).mapped("fap_reminder_status"), ["paused", "paused"])
        self.assertEqual(self.reminder_days(partner, "2026-03-23", "2026-03-31"), [])

    def post_inbound(self, params, signature=None):
        url = self.base_url() + INBOUND
        headers = {
            "X-Twilio-Signature": signature
            or twilio_signature(self.sandbox.twilio.accounts[DEMO_ACCOUNT_SID]["token"], url, params)
        }
        self.env.flush_all()
        response = self.url_open(INBOUND, data=params, headers=headers)
        self.env.invalidate_all()
        return response

    def test_stop_by_sms_then_start_and_error_21610(self):
        partner = self._customer("Nathalie Côté", tz="America/Montreal")
        number = partner._fap_get_sms_number()
        invoice = self._due_invoice(partner, "2026-03-16")
        # A forged or unsigned reply changes nothing.
        params = {"AccountSid": DEMO_ACCOUNT_SID, "From": number, "To": DEMO_NUMBERS[0], "Body": "STOP"}
        self.assertEqual(self.post_inbound(params, signature="forged").status_code, 403)
        self.assertFalse(partner.fap_sms_opted_out)

        self.sandbox.twilio.receive(number, "ARRÊT")
        self.deliver_callbacks()
        self.assertTrue(partner.fap_sms_opted_out)
        consent = partner.fap_consent_ids
        self.assertEqual(
            (consent.channel, consent.action, consent.source, consent.address, consent.detail),
            ("sms", "opt_out", "sms_reply", number, "ARRÊT"),
        )
        self.run_reminders("2026-03-13 15:00")
        self.assertEqual(len(self.received_sms(partner)), 1, "no more SMS")
        self.assertEqual(len(self.received_emails(partner)), 2, "email continues")
        self.assertEqual(invoice.fap_reminder_ids.channels, "email")

        self.sandbox.twilio.receive(number, "Début")
        self.deliver_callbacks()
        self.assertFalse(partner.fap_sms_opted_out)
        self.assertEqual(partner.fap_consent_ids.sorted("id").mapped("action"), ["opt_out", "opt_in"])
        self.run_reminders("2026-03-16 15:00")
        self.assertEqual(len(self.received_sms(partner)), 2, "SMS again")

        # Unsubscribed at Twilio without Odoo knowing (STOP to another of the merchant's numbers, say): the
        # refusal (21610) opts the number out; the email still went, and the next reminder is by email only.
        self.sandbox.twilio.opted_out.add((DEMO_NUMBERS[0], number))
        self.addCleanup(self.sandbox.twilio.opted_out.discard, (DEMO_NUMBERS[0], number))
        self.run_reminders("2026-03-23 15:00")
        self.assertTrue(partner.fap_sms_opted_out)
        refused = partner.fap_consent_ids.sorted("id")[-1]
        self.assertEqual((refused.action, refused.source), ("opt_out", "sms_refused"))
        self.assertIn("unsubscribed recipient", refused.detail)
        self.assertEqual(len(self.received_emails(partner)), 4)
        [sms_notification] = self.chatter_notifications(invoice, "sms").sorted("id")[-1:]
        self.assertEqual(
            (sms_notification.notification_status, sms_notification.failure_type), ("bounce", "sms_not_allowed")
        )
        self.assertIn("unsubscribed recipient", sms_notification.failure_reason)
        self.run_reminders("2026-03-30 15:00")
        self.assertEqual(len(self.received_sms(partner)), 2)
        self.assertEqual(len(self.received_emails(partner)), 5)

    def test_unsubscribe_link_stops_reminder_emails(self):
        partner = self._customer("Sophie Lavoie", tz="America/Montreal")
        self._due_invoice(partner, "2026-03-16")
        self.run_reminders("2026-03-13 15:00")
        email = self.received_emails(partner)[-1]
        url = next(link for link in self.links(email["html"]) if "/facture_a_payer/unsubscribe/" in link)
        page = self.open_as_visitor(url)
        self.assertIn("Arrêter les rappels par courriel", page.text)
        self.assertFalse(partner.fap_email_opted_out, "opening the link (a mail scanner would) unsubscribes nothing")
        self.assertEqual(self.open_as_visitor(re.sub(r"/([^/?]+)\?", r"/\1x?", url)).status_code, 404)
        form = self.open_as_visitor(url, data={"csrf_token": self.csrf_token(page.text)})
        self.assertIn("Vous ne recevrez plus de rappels par courriel", form.text)
        self.assertTrue(partner.fap_email_opted_out)
        self.assertEqual(partner.fap_consent_ids.source, "unsubscribe_link")
        self.run_reminders("2026-03-16 15:00")
        self.assertEqual(len(self.received_emails(partner)), 2, "no more reminder emails")
        self.assertEqual(len(self.received_sms(partner)), 3, "SMS continue")

    @staticmethod
    def links(html):
        return [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]+)"', html)]

    @staticmethod
    def csrf_token(html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html)[1]

    def test_reminder_cron_reads_only_the_documents_due(self):
        partner = self._customer("Claude Bélanger", tz="America/Montreal")
        invoices = self.env["account.move"].concat(*(self._due_invoice(partner, "2026-04-30") for _ in range(5)))
        self.assertEqual(set(invoices.mapped("fap_next_reminder_date")), {date(2026, 4, 27)})
        # Three queries: SMS a dead run left held, then the invoices and the quotes due.
        with self.at("2026-03-20 15:00"), self.assertQueryCount(3):
            self.env["facture_a_payer.reminder"]._fap_cron()
        self.assertFalse(invoices.fap_reminder_ids)
        self.assertEqual(datetime(2026, 3, 2, 15, 0), invoices[0].fap_sent_at)
