import re
import secrets
from contextlib import contextmanager

from fap_sandbox.twilio import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, DEMO_NUMBERS, twilio_signature
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .send_common import FapSendCase

INBOUND = "/facture_a_payer/twilio/inbound"
# The second company's Twilio number, in the same Twilio account as the first company's.
OTHER_NUMBER = "+15145550177"
KEPT_APART = (
    "facture_a_payer.reminder",
    "facture_a_payer.reminder.step",
    "facture_a_payer.send.job",
    "facture_a_payer.consent",
    "facture_a_payer.sms.reply",
)


@tagged("post_install", "-at_install")
class TestCompaniesKeptApart(FapSendCase):
    """Two companies in one database, each with its Twilio number in one Twilio account: what one company's
    customers answer and what its salespeople do stays with that company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.setup_quebec_company("Électricité Voisine inc.")
        numbers = cls.sandbox.twilio.accounts[DEMO_ACCOUNT_SID]["numbers"]
        numbers.add(OTHER_NUMBER)
        cls.addClassCleanup(numbers.discard, OTHER_NUMBER)
        cls.other.sms_twilio_number_ids = [
            Command.clear(),
            Command.create({"number": OTHER_NUMBER, "country_id": cls.canada.id}),
        ]
        for company in cls.company | cls.other:
            company.partner_id.tz = "America/Montreal"
            company.write(
                {
                    "fap_reminders": True,
                    "fap_reminder_hour_from": 9.0,
                    "fap_reminder_hour_to": 20.0,
                    "fap_reminder_skip_sunday": True,
                    "fap_reminder_skip_holidays": True,
                }
            )
        cls.env["facture_a_payer.reminder.step"]._fap_create_default_cadence(cls.company | cls.other)
        cls.env.ref("base.user_admin").company_ids |= cls.other

    @contextmanager
    def at(self, moment):
        with freeze_time(moment), self.smtp_live():
            yield

    def _sent_invoice(self, company, partner, due="2026-03-16", sent="2026-03-02 15:00"):
        """An invoice of ``company`` sent to ``partner`` by « Enregistrer et envoyer »."""
        Move = self.env["account.move"].with_company(company)
        invoice = Move.create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": sent[:10],
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create({"product_id": self.product.id, "price_unit": 180.0, "tax_ids": False})
                ],
            }
        )
        invoice.action_post()
        invoice.invoice_date_due = due
        with self.at(sent):
            self.send(invoice)
        return invoice

    def _send(self, company, partner):
        """What ``partner`` receives from a new invoice of ``company``: (SMS from its number, emails) counts."""
        sms_before, emails_before = len(self.received_sms(partner)), len(self.received_emails(partner))
        invoice = self._sent_invoice(company, partner)
        sms = self.received_sms(partner)[sms_before:]
        self.assertEqual({message["from"] for message in sms} - {self._number(company)}, set())
        return invoice, len(sms), len(self.received_emails(partner)) - emails_before

    def _number(self, company):
        return OTHER_NUMBER if company == self.other else DEMO_NUMBERS[0]

    def inbound_params(self, number, body, to, message_sid=None):
        message_sid = message_sid or "SM" + secrets.token_hex(16)
        return {
            "AccountSid": DEMO_ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "Body": body,
            "From": number,
            "MessageSid": message_sid,
            "SmsMessageSid": message_sid,
            "SmsSid": message_sid,
            "SmsStatus": "received",
            "To": to,
        }

    def post_inbound(self, params, signature=None):
        """Post ``params`` to the messaging webhook, signed like Twilio signs them (or with ``signature``)."""
        url = self.base_url() + INBOUND
        headers = {"X-Twilio-Signature": signature or twilio_signature(DEMO_AUTH_TOKEN, url, params)}
        self.env.flush_all()
        response = self.url_open(INBOUND, data=params, headers=headers)
        self.env.invalidate_all()
        return response

    def _opted_out(self, partner, company, channel="sms"):
        field = "fap_sms_opted_out" if channel == "sms" else "fap_email_opted_out"
        return partner.with_company(company)[field]

    # ------------------------------------------------------------------------------------------
    # Item 6: a salesperson of one company reads nothing of another
    # ------------------------------------------------------------------------------------------
    def _activity(self, company, name):
        """A customer of ``company`` reminded, opted out by SMS, then sent again by a mass sending."""
        partner = self._customer(name, tz="America/Montreal", company_id=company.id)
        invoice = self._sent_invoice(company, partner)
        self.run_reminder_cron("2026-03-13 15:00")
        self.assertTrue(invoice.fap_reminder_ids)
        self.assertEqual(
            self.post_inbound(self.inbound_params(partner.phone_sanitized, "STOP", self._number(company))).status_code,
            200,
        )
        self.assertEqual(
            self.post_inbound(
                self.inbound_params(partner.phone_sanitized, "Merci!", self._number(company))
            ).status_code,
            200,
        )
        invoice.with_company(company).action_fap_mass_send()
        return partner, invoice

    def test_a_salesperson_reads_nothing_of_another_company(self):
        mine, my_invoice = self._activity(self.company, "Lucie Pelletier")
        _theirs, their_invoice = self._activity(self.other, "Hugo Fortin")
        records = {model: self.env[model].sudo().search([("company_id", "=", self.other.id)]) for model in KEPT_APART}
        for model, found in records.items():
            self.assertTrue(found, f"{model}: the other company has some")
        salesperson = new_test_user(
            self.env,
            login="vendeur.compagnie.une",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        for model in (
            "facture_a_payer.reminder",
            "facture_a_payer.reminder.step",
            "facture_a_payer.send.job",
            "facture_a_payer.consent",
        ):
            Model = self.env[model].with_user(salesperson)
            visible = Model.search([])
            self.assertTrue(visible, f"{model}: the salesperson sees their own company's")
            self.assertFalse(visible & records[model], f"{model}: nothing of the other company by search")
            self.assertFalse(Model.search_read([("id", "in", records[model].ids)], ["display_name"]))
            self.assertEqual(Model.search_count([("company_id", "=", self.other.id)]), 0)
            with self.assertRaises(AccessError, msg=f"{model}: read of the other company's records"):
                Model.browse(records[model].ids).read(["display_name"])
        # Through the customer's form: the consent history holds only the salesperson's company's.
        self.assertEqual(mine.with_user(salesperson).fap_consent_ids.company_id, self.company)
        Reminder = self.env["facture_a_payer.reminder"].with_user(salesperson)
        self.assertEqual(Reminder.search([("move_id", "=", my_invoice.id)]).company_id, self.company)
        self.assertFalse(Reminder.search([("move_id", "=", their_invoice.id)]))
        self.assertEqual(their_invoice.fap_reminder_ids.company_id, self.other)

    # ------------------------------------------------------------------------------------------
    # Item 7: opt-outs belong to the company that was texted
    # ------------------------------------------------------------------------------------------
    def test_stop_to_one_companys_number_stops_that_company_only(self):
        number = "+15145550461"
        mine = self._customer("Marie Gagnon", phone=number, company_id=self.company.id)
        theirs = self._customer("Marie Gagnon", phone=number, company_id=self.other.id)
        self.sandbox.twilio.receive(number, "STOP", to=OTHER_NUMBER)
        self.deliver_callbacks()
        self.assertTrue(self._opted_out(theirs, self.other))
        self.assertFalse(self._opted_out(mine, self.company), "a STOP to the other company's number")
        self.assertFalse(mine.fap_consent_ids, "nothing recorded on the first company's customer")
        self.assertEqual((theirs.fap_consent_ids.company_id, theirs.fap_consent_ids.action), (self.other, "opt_out"))
        self.assertFalse(mine.phone_sanitized_blacklisted, "Odoo's database-wide blacklist untouched")
        _invoice, sms, emails = self._send(self.company, mine)
        self.assertEqual((sms, emails), (1, 1), "the first company still texts its customer")
        _invoice, sms, emails = self._send(self.other, theirs)
        self.assertEqual((sms, emails), (0, 1), "the company texted STOP sends by email only")

        # The first company's « the customer agrees again » does not undo the other's opt-out.
        mine.with_company(self.company).action_fap_sms_opt_in()
        self.assertTrue(self._opted_out(theirs, self.other))
        self.assertEqual(self._send(self.other, theirs)[1:], (0, 1))

        # A customer shared by both companies: the same rule, per company.
        shared = self._customer("Paul Roy")
        self.sandbox.twilio.receive(shared.phone_sanitized, "ARRÊT", to=DEMO_NUMBERS[0])
        self.deliver_callbacks()
        self.assertTrue(self._opted_out(shared, self.company))
        self.assertFalse(self._opted_out(shared, self.other))
        self.assertEqual(self._send(self.company, shared)[1:], (0, 1))
        self.assertEqual(self._send(self.other, shared)[1:], (1, 1))

    def test_odoos_own_blacklist_still_stops_the_app_and_is_left_as_it_is(self):
        partner = self._customer("Annie Caron", company_id=self.company.id)
        self.env["phone.blacklist"]._add([partner.phone_sanitized], message="Added by the administrator")
        self.assertEqual(self._send(self.company, partner)[1:], (0, 1), "Odoo's blacklist: no SMS from the app")
        self.sandbox.twilio.receive(partner.phone_sanitized, "START", to=DEMO_NUMBERS[0])
        self.deliver_callbacks()
        self.assertTrue(partner.phone_sanitized_blacklisted, "a START to one company leaves Odoo's blacklist alone")
        self.assertEqual(self._send(self.company, partner)[1:], (0, 1))

    def test_refused_as_unsubscribed_by_one_companys_number_opts_out_of_that_company_only(self):
        partner = self._customer("Éric Dubé")
        self.sandbox.twilio.opted_out.add((OTHER_NUMBER, partner.phone_sanitized))
        self.addCleanup(self.sandbox.twilio.opted_out.discard, (OTHER_NUMBER, partner.phone_sanitized))
        self.assertEqual(self._send(self.other, partner)[1:], (0, 1))
        self.assertTrue(self._opted_out(partner, self.other))
        self.assertEqual(partner.fap_consent_ids.mapped("source"), ["sms_refused"])
        self.assertFalse(self._opted_out(partner, self.company))
        self.assertEqual(self._send(self.company, partner)[1:], (1, 1))

    def test_a_free_text_reply_lands_with_the_company_that_was_texted(self):
        number = "+15145550462"
        mine = self._customer("Sylvie Roy", phone=number, company_id=self.company.id)
        theirs = self._customer("Sylvie Roy", phone=number, company_id=self.other.id)
        invoice = self._sent_invoice(self.other, theirs)
        self.sandbox.twilio.receive(number, "Je paie demain", to=OTHER_NUMBER)
        self.deliver_callbacks()
        self.assertFalse(mine.message_ids.filtered(lambda m: "Je paie demain" in (m.body or "")))
        self.assertTrue(
            (invoice.message_ids | theirs.message_ids).filtered(lambda m: "Je paie demain" in (m.body or ""))
        )
        self.assertEqual(
            self.env["facture_a_payer.sms.reply"].search([("from_number", "=", number)]).company_id, self.other
        )

    def test_a_number_of_no_company_is_refused(self):
        params = self.inbound_params("+15145550463", "STOP", "+15145550999")
        self.assertEqual(self.post_inbound(params).status_code, 403)
        self.assertFalse(self.env["facture_a_payer.consent"].search([("address", "=", "+15145550463")]))

    def test_a_replayed_start_after_a_later_stop_changes_nothing(self):
        partner = self._customer("Nadia Bergeron", company_id=self.company.id)
        number = partner.phone_sanitized
        stop = self.inbound_params(number, "STOP", DEMO_NUMBERS[0], message_sid="SM" + "1" * 32)
        start = self.inbound_params(number, "START", DEMO_NUMBERS[0], message_sid="SM" + "2" * 32)
        later_stop = self.inbound_params(number, "STOP", DEMO_NUMBERS[0], message_sid="SM" + "3" * 32)
        for params in (stop, start, later_stop):
            self.assertEqual(self.post_inbound(params).status_code, 200)
        self.assertTrue(self._opted_out(partner, self.company))
        # The signed START (or any message already seen) posted again: answered, changes nothing.
        for params in (start, stop, start):
            response = self.post_inbound(params)
            self.assertEqual(response.status_code, 200)
        self.assertTrue(self._opted_out(partner, self.company))
        self.assertEqual(partner.fap_consent_ids.sorted("id").mapped("action"), ["opt_out", "opt_in", "opt_out"])
        self.assertEqual(self._send(self.company, partner)[1:], (0, 1))
        # A free-text reply replayed is posted once.
        invoice = self._send(self.company, partner)[0]
        thanks = self.inbound_params(number, "Merci beaucoup", DEMO_NUMBERS[0], message_sid="SM" + "4" * 32)
        self.post_inbound(thanks)
        self.post_inbound(thanks)
        messages = invoice.message_ids | partner.message_ids
        self.assertEqual(len(messages.filtered(lambda m: "Merci beaucoup" in (m.body or ""))), 1)

    def test_stop_and_start_apply_in_twilios_order_whenever_they_arrive(self):
        partner = self._customer("Gilles Fortin", company_id=self.company.id)
        number = partner.phone_sanitized
        # Twilio received a START a minute ago, but its webhook did not reach Odoo then.
        start = self.sandbox.twilio.receive(number, "START", url=self.base_url() + "/facture_a_payer/twilio/ailleurs")
        start["date"] -= 60
        self.deliver_callbacks()
        self.sandbox.twilio.receive(number, "STOP")
        self.deliver_callbacks()
        self.assertTrue(self._opted_out(partner, self.company))
        # The START comes now (Twilio retrying, or someone replaying it): Twilio dates it before the STOP.
        params = self.inbound_params(number, "START", DEMO_NUMBERS[0], message_sid=start["sid"])
        params["OptOutType"] = "START"
        self.assertEqual(self.post_inbound(params).status_code, 200)
        self.assertTrue(self._opted_out(partner, self.company), "an older START does not undo a later STOP")
        self.assertEqual(partner.fap_consent_ids.mapped("action"), ["opt_out"])
        self.assertEqual(self._send(self.company, partner)[1:], (0, 1))
        # A START that Twilio received after the STOP applies.
        self.sandbox.twilio.receive(number, "START")
        self.deliver_callbacks()
        self.assertFalse(self._opted_out(partner, self.company))
        self.assertEqual(self._send(self.company, partner)[1:], (1, 1))

    def test_an_unsigned_or_messagesid_less_reply_is_refused(self):
        partner = self._customer("Rémi Paquette", company_id=self.company.id)
        params = self.inbound_params(partner.phone_sanitized, "STOP", DEMO_NUMBERS[0])
        self.assertEqual(self.post_inbound(params, signature="forged").status_code, 403)
        del params["MessageSid"]
        self.assertEqual(self.post_inbound(params).status_code, 400)
        self.assertFalse(self._opted_out(partner, self.company))

    # ------------------------------------------------------------------------------------------
    # Item 8 (part): a non-ASCII signature is refused, not a crash
    # ------------------------------------------------------------------------------------------
    def test_a_non_ascii_twilio_signature_is_refused_with_403(self):
        partner = self._customer("Josée Lévesque", company_id=self.company.id)
        params = self.inbound_params(partner.phone_sanitized, "STOP", DEMO_NUMBERS[0])
        self.assertEqual(self.post_inbound(params, signature="signé").status_code, 403)
        self.assertFalse(self._opted_out(partner, self.company))

        invoice = self._sent_invoice(self.company, partner)
        [notification] = self.chatter_notifications(invoice, "sms")
        tracker = self.env["sms.tracker"].search([("mail_notification_id", "=", notification.id)])
        self.assertTrue(tracker.sms_uuid)
        status = {"SmsStatus": "delivered", "MessageStatus": "delivered", "AccountSid": DEMO_ACCOUNT_SID}
        url = f"/sms_twilio/status/{tracker.sms_uuid}"
        # Odoo's own check (the SMS is still there), then ours (the SMS vacuumed, its tracker left).
        for vacuum in (False, True):
            if vacuum:
                self.env["sms.sms"].sudo().search([("uuid", "=", tracker.sms_uuid)]).unlink()
            self.env.flush_all()
            response = self.url_open(url, data=status, headers={"X-Twilio-Signature": "é" * 28})
            self.env.invalidate_all()
            self.assertEqual(response.status_code, 403)
            self.assertNotEqual(notification.notification_status, "sent")

    # ------------------------------------------------------------------------------------------
    # Item 9 (part): the unsubscribe link stops that company's reminder emails only
    # ------------------------------------------------------------------------------------------
    def test_the_unsubscribe_link_stops_that_companys_reminder_emails_only(self):
        partner = self._customer("Chantal Morin", tz="America/Montreal")
        mine = self._sent_invoice(self.company, partner)
        theirs = self._sent_invoice(self.other, partner)
        self.run_reminder_cron("2026-03-13 15:00")
        [email] = [
            mail
            for mail in self.received_emails(partner)
            if mine.name in mail["html"] and "/unsubscribe/" in mail["html"]
        ]
        url = next(
            link.replace("&amp;", "&")
            for link in re.findall(r'href="([^"]+)"', email["html"])
            if "/facture_a_payer/unsubscribe/" in link
        )
        self.assertIn(f"company={self.company.id}-", url)
        other_company = url.replace(f"company={self.company.id}-", f"company={self.other.id}-")
        self.assertEqual(self.open_as_visitor(other_company).status_code, 404, "the company is signed")
        page = self.open_as_visitor(url)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
        self.assertIn("Vous ne recevrez plus", self.open_as_visitor(url, data={"csrf_token": csrf}).text)
        self.assertTrue(self._opted_out(partner, self.company, "email"))
        self.assertFalse(self._opted_out(partner, self.other, "email"))
        self.assertFalse(partner.is_blacklisted, "Odoo's database-wide email blacklist untouched")
        before = len(self.received_emails(partner))
        self.run_reminder_cron("2026-03-16 15:00")
        emails = self.received_emails(partner)[before:]
        self.assertFalse([mail for mail in emails if mine.name in mail["html"]], "no more of this company's")
        self.assertTrue([mail for mail in emails if theirs.name in mail["html"]], "the other company's go on")
