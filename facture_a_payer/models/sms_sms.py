from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.sms_twilio.controllers.controllers import TWILIO_TO_SMS_STATE, TWILIO_TO_SMS_STATE_ERRORS

# Odoo's and Twilio's clocks may differ: a message Twilio dates a little before our record can still be ours.
CLOCK_SKEW = timedelta(minutes=5)
# Receipts and notices held and committed together before the first of them is handed to Twilio.
NOTICE_BATCH_SIZE = 50


class SmsSms(models.Model):
    """The SMS of the mass sending (and of the reminders) go out at most once, even when the cron dies while
    sending them.

    The cron commits them held (« Processing », ``fap_sending``) with their document before any of them is
    handed to Twilio, and records Twilio's answers in the transaction that clears ``fap_sending``. An SMS
    still held at the next run may have been sent: Twilio's list of messages tells, else it is not resent.
    """

    _inherit = "sms.sms"

    fap_sending = fields.Boolean(
        string="Handed to the provider by a mass sending",
        readonly=True,
        copy=False,
        help="Committed before the SMS is handed to the provider, cleared with its answer: still set after a "
        "crash, the provider may have sent it.",
    )

    fap_reminder = fields.Boolean(
        string="Reminder", readonly=True, copy=False, help="Sent by the reminders, not by a mass sending."
    )
    fap_notice = fields.Boolean(
        string="Receipt or notice",
        readonly=True,
        copy=False,
        help="A receipt or a notice of a payment: sent by the cron « send receipts and notices » once the "
        "transaction that recorded the payment is committed.",
    )

    @api.model
    def _fap_hold(self, document, reminder=False):
        """Hold the SMS just queued for ``document``: Odoo's SMS queue leaves « Processing » ones alone."""
        held = self.search(
            [
                ("mail_message_id.model", "=", document._name),
                ("mail_message_id.res_id", "=", document.id),
                ("state", "=", "outgoing"),
            ]
        )
        held.write({"state": "process", "fap_sending": True, "fap_reminder": reminder})
        return held

    @api.model
    def _fap_queue_notices(self, document):
        """Keep the SMS just queued for ``document`` (a receipt, a notice of a payment) for the notices' cron, which
        the commit of this transaction calls: a transaction rolled back (then retried) leaves neither them nor the
        call, and the customer's request does not wait for Twilio. Odoo's SMS queue leaves « Processing » ones alone.
        """
        queued = self.search(
            [
                ("mail_message_id.model", "=", document._name),
                ("mail_message_id.res_id", "=", document.id),
                ("state", "=", "outgoing"),
            ]
        )
        if queued:
            queued.write({"state": "process", "fap_notice": True})
            self.env.ref("facture_a_payer.ir_cron_fap_notices")._trigger()
        return queued

    @api.model
    def _fap_cron_send_notices(self):
        """Cron: send the receipts and notices of committed payments, each at most once, as the mass sending does:
        settle those a dead run left held, then hold the queued ones in a committed transaction before handing
        them to Twilio one at a time (``_fap_release``). One cron, never running twice at once: an SMS held when a
        run starts belongs to a dead run. First, the notices of committed payments are written (each with its
        commit: written once)."""
        while notices := self.env["facture_a_payer.notice"].search([], limit=NOTICE_BATCH_SIZE):
            for notice in notices:
                notice._fap_write()
                remaining = self.env["facture_a_payer.notice"].search_count([])
                if self.env["ir.cron"]._commit_progress(1, remaining=remaining) <= 0:
                    return
        self._fap_recover(notice=True)
        while queued := self.search(
            [("fap_notice", "=", True), ("state", "=", "process"), ("fap_sending", "=", False)],
            order="id",
            limit=NOTICE_BATCH_SIZE,
        ):
            queued.write({"fap_sending": True})
            remaining = self.search_count(
                [("fap_notice", "=", True), ("state", "=", "process"), ("fap_sending", "=", False)]
            )
            time_left = self.env["ir.cron"]._commit_progress(len(queued), remaining=remaining)
            queued._fap_release()
            if time_left <= 0:
                return

    def _fap_release(self):
        """Send the held SMS one at a time, each answer committed with the end of its ``fap_sending``.

        One short transaction per SMS: Twilio's status callbacks update the same SMS and chatter notification as
        soon as Twilio accepted it, and would otherwise wait for (or deadlock with) a transaction holding the
        whole batch's rows. A crash between the sending and the commit leaves that one SMS held, for the next run
        to ask Twilio about.
        """
        for sms in self:
            sms.write({"state": "outgoing", "fap_sending": False})
            sms.send(raise_exception=False)
            if sms.state == "error":
                notification = sms.sms_tracker_id.mail_notification_id
                sms._fap_report_failure(
                    notification.failure_reason
                    or dict(self._fields["failure_type"]._description_selection(self.env)).get(sms.failure_type)
                )
            self.env["ir.cron"]._commit_progress()

    @api.model
    def _fap_recover(self, slot=0, slots=1, notice=False):
        """Settle the SMS a dead run of the sending cron ``slot`` left held (those of documents whose id modulo
        ``slots`` is ``slot``; with ``notice``, those of the notices' cron): adopt the message Twilio has, send
        those it surely has not, and fail, with the reason, those it cannot tell about (they are not sent twice)."""
        held = self.search([("fap_sending", "=", True), ("fap_notice", "=", notice)]).filtered(
            lambda sms: sms.mail_message_id.res_id % slots == slot
        )
        unsent = self.browse()
        for company, company_sms in held.grouped(lambda sms: sms._get_sms_company()).items():
            if company.sms_provider != "twilio":
                company_sms._fap_set_in_doubt(
                    self.env._(
                        "The sending stopped while this SMS was handed to the SMS provider, which cannot be asked "
                        "whether it received it. It is not sent again: check with the customer before resending it."
                    )
                )
                continue
            sms_api = company._get_sms_api_class()(self.env)
            sms_api._set_company(company)
            for sms in company_sms:
                try:
                    messages, complete = sms_api._fap_list_messages(sms.number)
                except (requests.RequestException, UserError) as error:
                    sms._fap_set_in_doubt(
                        self.env._(
                            "The sending stopped while this SMS was handed to Twilio, and Twilio could not tell "
                            "whether it received it (%(error)s). It is not sent again: check with the customer "
                            "before resending it.",
                            error=error.args[0] if isinstance(error, UserError) else str(error),
                        )
                    )
                    continue
                if message := sms._fap_find_message(messages):
                    sms._fap_adopt(message)
                elif complete:
                    unsent |= sms
                else:
                    sms._fap_set_in_doubt(
                        self.env._(
                            "The sending stopped while this SMS was handed to Twilio, and Twilio holds too many "
                            "messages to %(number)s to tell whether it received it. It is not sent again: check "
                            "with the customer before resending it.",
                            number=sms.number,
                        )
                    )
        unsent._fap_release()

    def _fap_find_message(self, messages):
        """Among Twilio's messages, the one this SMS became: same number and text, created after it."""
        self.ensure_one()
        since = self.create_date - CLOCK_SKEW
        for message in messages:
            created = parsedate_to_datetime(message["date_created"])
            if created.tzinfo:
                created = created.astimezone(UTC).replace(tzinfo=None)
            if message.get("to") == self.number and message.get("body") == self.body and created >= since:
                return message
        return None

    def _fap_adopt(self, message):
        """Record Twilio's message as this SMS's sending, and its status as its status callback would."""
        self.ensure_one()
        self.write({"state": "pending", "failure_type": False, "fap_sending": False, "to_delete": True})
        tracker = self.sms_tracker_id
        tracker.sms_twilio_sid = message["sid"]
        status = message.get("status")
        if status in TWILIO_TO_SMS_STATE_ERRORS:
            error_code = message.get("error_code")
            tracker._action_update_from_twilio_error(
                status, error_code and str(error_code), message.get("error_message")
            )
        else:
            # Accepted is « Sent » in Odoo, as when its answer comes at once; delivered or canceled say more.
            state = TWILIO_TO_SMS_STATE.get(status)
            tracker._action_update_from_sms_state(state if state in ("sent", "canceled") else "pending")
        self.mail_message_id._notify_message_notification_update()

    def _fap_set_in_doubt(self, reason):
        """Fail the SMS without sending it, ``reason`` on its chatter notification and on its document."""
        self.write({"state": "error", "failure_type": "unknown", "fap_sending": False})
        self.sms_tracker_id._action_update_from_sms_state("error", failure_type="unknown", failure_reason=reason)
        self.mail_message_id._notify_message_notification_update()
        for sms in self:
            sms._fap_report_failure(reason)

    def _fap_report_failure(self, reason):
        """The mass sending shows no toast: the document's « Sending » column tells its SMS failed (a reminder's or
        a receipt's failure shows in the chatter only: the document's sending is not in question)."""
        self.ensure_one()
        if self.fap_reminder or self.fap_notice:
            return
        message = self.mail_message_id
        document = self.env[message.model].browse(message.res_id)
        document.fap_send_job_id._fap_mark_failed(
            document, self.env._("SMS to %(number)s: %(reason)s", number=self.number, reason=reason)
        )
