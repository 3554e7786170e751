import logging
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.quebec_holidays import quebec_holidays

_logger = logging.getLogger(__name__)

BATCH_SIZE = 50
# The customer's clock may be up to 14 hours ahead of UTC: a document is looked at from the UTC day before its
# reminder day, and sent once it is that day where the customer lives.
EARLIEST_OFFSET = timedelta(hours=14)
DEFAULT_TZ = "America/Toronto"


class FactureAPayerReminder(models.Model):
    """A reminder of one document: sent (alone or in a message listing the customer's other documents due that
    day), skipped (a later step came first), or failed (nothing could reach the customer). One per document and
    step: the cron never sends a step twice."""

    _name = "facture_a_payer.reminder"
    _description = "Reminder of a document"
    _order = "sent_at desc, id desc"

    order_id = fields.Many2one("sale.order", string="Quote", index="btree_not_null", ondelete="cascade")
    move_id = fields.Many2one("account.move", string="Invoice", index="btree_not_null", ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, ondelete="cascade")
    step_id = fields.Many2one("facture_a_payer.reminder.step", ondelete="set null")
    step_name = fields.Char(string="Reminder", required=True)
    sent_at = fields.Datetime(string="Date", required=True, default=fields.Datetime.now)
    state = fields.Selection(
        [("sent", "Sent"), ("skipped", "Skipped"), ("failed", "Failed")], required=True, default="sent"
    )
    channels = fields.Char(help="How the customer was reminded.")
    note = fields.Char(help="Why it was skipped or failed, or the other documents of the same message.")
    message_id = fields.Many2one("mail.message", ondelete="set null")

    _step_once = models.UniqueIndex(
        "(COALESCE(order_id, 0), COALESCE(move_id, 0), step_id) WHERE step_id IS NOT NULL",
        "A document is reminded once per step.",
    )

    # ------------------------------------------------------------------------------------------
    # The cron
    # ------------------------------------------------------------------------------------------
    @api.model
    def _fap_cron(self):
        """Remind the customers whose documents are due, each at most once a day, within their company's hours."""
        now = fields.Datetime.now()
        # SMS a dead run left held are settled by the sending crons (each its slot, see facture_a_payer.send.job).
        if self.env["sms.sms"].sudo().search_count([("fap_sending", "=", True)], limit=1):
            for cron in self.env["facture_a_payer.send.job"]._fap_send_crons():
                cron._trigger()
        horizon = (now + EARLIEST_OFFSET).date()
        due = []
        for model in ("account.move", "sale.order"):
            due += self.env[model].search([("fap_next_reminder_date", "<=", horizon)], order="id")
        by_customer = {}
        for document in due:
            by_customer.setdefault((document.company_id, document.partner_id), []).append(document)
        groups = list(by_customer.items())
        SmsSudo = self.env["sms.sms"].sudo()
        for start in range(0, len(groups), BATCH_SIZE):
            held_sms = SmsSudo
            for (company, partner), documents in groups[start : start + BATCH_SIZE]:
                try:
                    with self.env.cr.savepoint():
                        if primary := self._fap_remind_customer(company, partner, documents, now):
                            held_sms |= SmsSudo._fap_hold(primary, reminder=True)
                except Exception:  # one customer's failure must not stop the others; retried next run
                    _logger.exception("Facture à payer: reminding %s failed", partner)
            remaining = max(len(groups) - start - BATCH_SIZE, 0)
            # As the mass sending: the batch (its reminders recorded, emails queued, SMS held) is committed before
            # any SMS is handed to Twilio, then each SMS's answer is committed alone.
            time_left = self.env["ir.cron"]._commit_progress(min(BATCH_SIZE, len(groups) - start), remaining=remaining)
            held_sms._fap_release()
            if time_left <= 0:
                return

    @api.model
    def _fap_reschedule(self, domain):
        """Plan again the next reminder of the flow's quotes and invoices that match ``domain`` and may still be
        reminded (a setting, the cadence or a customer's pause changed)."""
        for model in ("account.move", "sale.order"):
            Document = self.env[model].sudo()
            Document.search(
                [("fap_flow", "=", True), *Document._fap_reminder_candidates_domain(), *domain]
            )._fap_schedule_reminders()

    @api.model
    def _fap_local_now(self, company, partner, now):
        """``now`` on the customer's clock: their time zone, else the company's."""
        tz = pytz.timezone(partner.tz or company.partner_id.tz or DEFAULT_TZ)
        return pytz.utc.localize(now).astimezone(tz)

    @api.model
    def _fap_can_remind_at(self, company, local_now):
        """Whether ``local_now`` (the customer's clock) is within the company's reminder hours and days."""
        day = local_now.date()
        if company.fap_reminder_skip_sunday and day.weekday() == 6:
            return False
        if company.fap_reminder_skip_holidays and day in quebec_holidays(day.year):
            return False
        hour = local_now.hour + local_now.minute / 60
        return company.fap_reminder_hour_from <= hour < company.fap_reminder_hour_to

    def _fap_reminded_today(self, company, partner, local_now):
        start = local_now.tzinfo.localize(datetime.combine(local_now.date(), time()))
        start_utc = start.astimezone(pytz.utc).replace(tzinfo=None)
        return bool(
            self.search_count(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "=", partner.id),
                    ("state", "=", "sent"),
                    ("sent_at", ">=", start_utc),
                    ("sent_at", "<", start_utc + timedelta(days=1)),
                ],
                limit=1,
            )
        )

    @api.model
    def _fap_remind_customer(self, company, partner, documents, now):
        """Remind ``partner`` of their ``documents`` whose day has come on their clock, if it is the time.

        :return: the document the reminder was posted on (its SMS to hold), or ``None``
        """
        local_now = self._fap_local_now(company, partner, now)
        today = local_now.date()
        # Paid, approved, paused since (or given a later date): planned again, not reminded.
        ready = [doc for doc in documents if doc.fap_next_reminder_date <= today and doc._fap_due_reminder_steps(today)]
        ready = [doc for doc in ready if doc._fap_reminder_open(today) and not doc._fap_reminders_paused()]
        doc_ids = {doc.id for doc in ready}
        for document in documents:
            if document.id not in doc_ids and document.fap_next_reminder_date <= today:
                document._fap_schedule_reminders()
        if not ready or not self._fap_can_remind_at(company, local_now):
            return None
        if self._fap_reminded_today(company, partner, local_now):
            return None
        # Invoices first (money is waiting); a quote due the same day waits for the next day: one message a day.
        for model in ("account.move", "sale.order"):
            if group := [doc for doc in ready if doc._name == model]:
                # Amounts of different currencies do not add up: the message lists the documents in the currency
                # of the most urgent one; the others wait for the next day.
                urgent = min(group, key=lambda doc: (doc._fap_due_reminder_steps(today)[-1]._date_for(doc), doc.id))
                group = [doc for doc in group if doc.currency_id == urgent.currency_id]
                return self._fap_send_group(group, today, now)
        return None

    @api.model
    def _fap_send_group(self, documents, today, now):
        """One message to the customer listing ``documents`` (the most urgent first), by the channels of its step.

        :return: the document the message was posted on, or ``None`` when nothing could reach the customer
        """
        steps = {}
        for document in documents:
            due_steps = document._fap_due_reminder_steps(today)
            steps[document] = due_steps[-1]
            # Steps whose day came while an earlier one was not sent yet (e.g. sent late): only the latest counts.
            for step in due_steps[:-1]:
                self._fap_log(
                    document, step, now, "skipped", note=document._fap_merchant().env._("A later reminder came first.")
                )
        documents = sorted(documents, key=lambda doc: (steps[doc]._date_for(doc), doc.id))
        primary, step = documents[0], steps[documents[0]]
        others = documents[1:]
        # The templates render in this context: it tells them the documents the message lists.
        primary_ctx = primary.with_context(
            fap_reminder=True, fap_queue_sms=True, fap_reminder_document_ids=[doc.id for doc in documents]
        )
        step = step.with_env(primary_ctx.env)
        try:
            channels = primary_ctx._fap_notify_customer(
                step.send_email and step.mail_template_id, step.send_sms and step.sms_template_id
            )
        except UserError as error:
            for document in documents:
                self._fap_log(document, steps[document], now, "failed", note=error.args[0])
                document.message_post(
                    body=document._fap_merchant().env._("Reminder not sent: %(reason)s", reason=error.args[0]),
                    subtype_xmlid="mail.mt_note",
                )
                document._fap_schedule_reminders()
            return None
        message = primary.message_ids[:1]
        # The history is the merchant's: written in their language, whoever's cron writes it.
        merchant_env = primary._fap_merchant().env
        channels_label = ", ".join(primary.with_env(merchant_env)._fap_channel_labels(channels))
        self._fap_log(
            primary,
            steps[primary],
            now,
            "sent",
            channels=channels_label,
            message=message,
            note=merchant_env._("With %(documents)s", documents=", ".join(doc.name for doc in others))
            if others
            else False,
        )
        for document in others:
            self._fap_log(
                document,
                steps[document],
                now,
                "sent",
                channels=channels_label,
                message=message,
                note=merchant_env._("In the reminder of %(document)s", document=primary.name),
            )
            document.message_post(
                body=document._fap_merchant().env._(
                    "Reminded in the message sent with %(document)s (%(channels)s).",
                    document=primary.name,
                    channels=channels_label,
                ),
                subtype_xmlid="mail.mt_note",
            )
        for document in documents:
            document._fap_schedule_reminders()
        return primary

    @api.model
    def _fap_log(self, document, step, now, state, channels=False, message=False, note=False):
        return self.create(
            {
                "order_id": document.id if document._name == "sale.order" else False,
                "move_id": document.id if document._name == "account.move" else False,
                "company_id": document.company_id.id,
                "partner_id": document.partner_id.id,
                "step_id": step.id,
                "step_name": step.with_env(document._fap_merchant().env).display_name,
                "sent_at": now,
                "state": state,
                "channels": channels,
                "message_id": message and message.id,
                "note": note,
            }
        )
