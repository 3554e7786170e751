import base64
import io
import logging
import uuid

import qrcode

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.sms_segment import GSM7_SEGMENT, gsm7_units, is_one_segment, to_gsm7

_logger = logging.getLogger(__name__)

# What an SMS too long keeps of the company's name before it leaves out the Interac line: enough to know the sender.
SMS_NAME_MIN = 20


class FactureAPayerDocument(models.AbstractModel):
    """What quotes and customer invoices share to be sent with their secure link (« Enregistrer et envoyer »).

    A concrete model provides ``_fap_check_sendable`` (raises when it cannot be sent, changes nothing),
    ``_fap_prepare_send`` (what sending needs first), ``_fap_get_templates`` and ``_fap_mark_sent``.
    """

    _name = "facture_a_payer.document"
    _description = "Document sent with its secure link"

    # Odoo's own pages, messages and reports are left as they are for every other document.
    fap_flow = fields.Boolean(
        string="Facture à payer",
        copy=False,
        readonly=True,
        help="Made or sent in Facture à payer: its customer gets the app's pages and messages.",
    )
    fap_send_state = fields.Selection(
        [("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed")],
        string="Sending",
        copy=False,
        readonly=True,
    )
    fap_send_error = fields.Text(string="Sending error", copy=False, readonly=True)
    fap_send_job_id = fields.Many2one(
        "facture_a_payer.send.job", string="Sending job", copy=False, readonly=True, index="btree_not_null"
    )

    fap_sent_at = fields.Datetime(string="Sent on", copy=False, readonly=True)
    # Reminders (« Relances »): the next one is kept on the document, set when it is sent, reminded, paused or
    # resumed, or when the cadence changes; the cron reads only the documents whose day has come, and checks
    # each again before reminding it (a document paid or approved since is left alone).
    fap_reminder_paused = fields.Boolean(
        string="Do not remind",
        copy=False,
        tracking=True,
        help="No automatic reminder for this document (its customer can also be paused as a whole).",
    )
    fap_next_reminder_date = fields.Date(string="Next reminder", copy=False, readonly=True, index="btree_not_null")
    fap_next_reminder_step_id = fields.Many2one(
        "facture_a_payer.reminder.step", string="Next reminder step", copy=False, readonly=True
    )
    fap_reminder_status = fields.Selection(
        [("planned", "Planned"), ("paused", "Paused"), ("none", "None")],
        string="Reminders",
        compute="_compute_fap_reminder_status",
    )

    def _compute_fap_reminder_status(self):
        today = fields.Date.context_today(self)
        for document in self:
            if document._fap_reminders_paused():
                document.fap_reminder_status = "paused"
            elif document.fap_next_reminder_date and document._fap_reminder_open(today):
                document.fap_reminder_status = "planned"
            else:
                document.fap_reminder_status = "none"

    def _fap_salesperson(self):
        """The user the document's notes and activities are for."""
        raise NotImplementedError

    def _fap_merchant(self):
        """The document in the merchant's language (its salesperson's, else the company's): the notes and
        activities we post for the merchant are written in it, whoever's request or cron posts them."""
        self.ensure_one()
        lang = self._fap_salesperson().lang or self.company_id.partner_id.lang or self.env.lang
        return self.with_context(lang=lang)

    def _fap_in_flow(self):
        """Whether the document belongs to the app's flow: its portal page, messages and receipts are ours."""
        self.ensure_one()
        return self.fap_flow

    # ------------------------------------------------------------------------------------------
    # Links
    # ------------------------------------------------------------------------------------------
    def _fap_portal_page_values(self):
        """What the customer's page of an app's document shows around it: the merchant's branding, a title naming
        the merchant and the document, and a short history."""
        self.ensure_one()
        return {
            "res_company": self.company_id,
            # Odoo's website sets res_company to the website's company on its pages: the merchant stays this one.
            "fap_company": self.company_id,
            "title": self.env._("%(document)s · %(company)s", document=self.name, company=self.company_id.name),
            "fap_history": self._fap_portal_history(),
        }

    def _fap_portal_history(self):
        """``[(label, datetime)]``: what happened to the document, for its customer."""
        self.ensure_one()
        return [(self.env._("Sent"), self._fap_day(self.fap_sent_at))] if self.fap_sent_at else []

    def _fap_day(self, moment):
        """The customer's day of a moment (the company's time zone when theirs is unknown)."""
        tz = self.partner_id.tz or self.company_id.partner_id.tz or "UTC"
        return fields.Date.context_today(self.with_context(tz=tz), timestamp=moment)

    def _fap_get_base_url(self):
        # get_base_url() only reads the company/system setting: unlike request.httprequest.url_root it works
        # from a cron or a shell; stripping the slash avoids the "//my/invoices" of the native URL.
        return self.get_base_url().rstrip("/")

    def _fap_get_share_url(self):
        """Absolute portal URL of the document, with its access token."""
        self.ensure_one()
        return self._fap_get_base_url() + self.get_portal_url()

    def _fap_get_short_url(self):
        """Absolute short link ``/p/<code>``, valid as long as the document keeps its access token."""
        self.ensure_one()
        link = self.env["facture_a_payer.short.link"].sudo()._fap_get_or_create(self)
        # The company's short address when it has one (Settings › Facture à payer).
        base_url = (self.company_id.fap_short_link_base_url or "").rstrip("/") or self._fap_get_base_url()
        return f"{base_url}/p/{link.code}"

    def action_fap_revoke_link(self):
        """Give the document a new access token: every link sent so far (and its short link) stops working."""
        self.ensure_one()
        self.check_access("write")
        self.sudo().access_token = str(uuid.uuid4())

    def _fap_get_qr_data_uri(self):
        """QR code of the share URL as a PNG data URI (sent as an inline CID image, see ``ir.mail_server``)."""
        self.ensure_one()
        image = qrcode.make(self._fap_get_share_url(), box_size=6, border=2)
        stream = io.BytesIO()
        image.save(stream, format="PNG")
        return "data:image/png;base64," + base64.b64encode(stream.getvalue()).decode()

    def _fap_get_sms_amount(self, amount=None):
        """The total (or ``amount``) for an SMS: French formats put no-break spaces in amounts, which are not in
        the GSM alphabet and would turn the whole SMS into UCS-2 (70 characters a segment instead of 160)."""
        self.ensure_one()
        amount = self.currency_id.format(self.amount_total if amount is None else amount)
        return amount.replace("\u00a0", " ").replace("\u202f", " ")

    # ------------------------------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------------------------------
    def action_fap_save_and_send(self):
        """The button « Enregistrer et envoyer »: check that the document can go by the customer's channels (else
        say why at once), then queue it: a sending cron renders the PDF and sends the email and the SMS after the
        response, as a mass sending does (the SMS leaves once the document is committed sent)."""
        self.ensure_one()
        self.check_access("write")
        self._fap_check_sendable()
        # The channels first: a customer who cannot be reached leaves the document as it was.
        send_email, number = self._fap_get_channels(*self._fap_get_templates())
        self._fap_prepare_send()
        self.env["facture_a_payer.send.job"].sudo()._fap_enqueue(self, single=True)
        return self._fap_notification(
            "success",
            self.env._(
                "%(document)s will be sent to %(customer)s by %(channels)s in a moment.",
                document=self.display_name,
                customer=self.partner_id.display_name,
                channels=self.env._(" and ").join(
                    self._fap_channel_labels(
                        [channel for channel, on in (("email", send_email), ("sms", number)) if on]
                    )
                ),
            ),
        )

    def action_fap_mass_send(self):
        """Mass action of the lists: queue the documents, the cron sends them in the background."""
        self.check_access("write")
        job = self.env["facture_a_payer.send.job"].sudo()._fap_enqueue(self)
        return self._fap_notification(
            "info",
            self.env._(
                "%(count)s documents will be sent in the background; the column « Sending » shows their "
                "progress and failures.",
                count=job.total_count,
            ),
        )

    @api.model
    def _fap_notification(self, kind, message):
        """A notification toast, then a reload so the form shows the new state."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": kind, "message": message, "next": {"type": "ir.actions.client", "tag": "soft_reload"}},
        }

    def _fap_send(self):
        """Check, send by email and/or SMS, mark sent; returns the channels used (``"email"``, ``"sms"``)."""
        self.ensure_one()
        self._fap_check_sendable()
        self._fap_prepare_send()
        mail_template, sms_template = self._fap_get_templates()
        sent = self._fap_notify_customer(mail_template, sms_template)
        self._fap_mark_sent()
        self.write(
            {"fap_flow": True, "fap_send_state": "sent", "fap_send_error": False, "fap_sent_at": fields.Datetime.now()}
        )
        self._fap_schedule_reminders()
        return sent

    def _fap_notify_customer(self, mail_template, sms_template):
        """Send ``mail_template`` and/or ``sms_template`` to the customer by the channels of their record.

        Both land in the chatter (with their delivery state). Raises ``UserError`` when nothing can be sent.
        :return: the channels used, ``"email"`` and/or ``"sms"`` (see ``_fap_channel_labels``)
        """
        self.ensure_one()
        send_email, number = self._fap_get_channels(mail_template, sms_template)
        partner = self.partner_id
        sent = []
        if send_email:
            self._fap_post_email(mail_template, partner)
            sent.append("email")
        if number:
            # Odoo's ``_message_sms_with_template``, with the body fitted in one segment.
            self._message_sms(
                self._fap_sms_body(sms_template),
                partner_ids=partner.ids,
                sms_pid_to_number={partner.id: number},
                # The mass sending hands its SMS to Twilio itself, once committed (``sms.sms._fap_release``).
                put_in_queue=self.env.context.get("fap_queue_sms", False),
            )
            sent.append("sms")
        return sent

    def _fap_get_channels(self, mail_template, sms_template):
        """``(send_email, number)``: whether ``mail_template`` goes by email, and the number ``sms_template`` goes
        to (``False`` for none), by the customer's record. Raises ``UserError`` when nothing can be sent."""
        self.ensure_one()
        partner = self.partner_id
        channel = partner.fap_channel or "both"
        reminder = self.env.context.get("fap_reminder")
        number = sms_template and channel in ("both", "sms") and partner.phone and partner._fap_get_sms_number()
        # A number whose owner answered STOP to the company gets no more SMS from it (Twilio would refuse them);
        # reminders then go by email even to a customer reached by SMS only. An email address unsubscribed from
        # the company's reminders gets no more of them. Odoo's blacklists apply too (see res.partner).
        sms_opted_out = bool(number) and partner._fap_sms_opted_out(number, self.company_id)
        if sms_opted_out:
            number = False
        email_opted_out = bool(reminder) and partner._fap_email_opted_out(self.company_id)
        email_allowed = partner.email and not email_opted_out
        send_email = bool(
            mail_template and email_allowed and (channel in ("both", "email") or (reminder and sms_opted_out))
        )
        if not send_email and not number and (sms_opted_out or email_opted_out):
            raise UserError(
                self.env._(
                    "Nothing was sent for %(document)s: %(customer)s asked not to receive these messages (SMS "
                    "STOP or email unsubscribe), and has no other way to be reached.",
                    document=self.display_name,
                    customer=partner.display_name,
                )
            )
        if not send_email and not number:
            raise UserError(
                self.env._(
                    "Nothing was sent for %(document)s: %(customer)s has no email address nor valid mobile phone "
                    "number for the channel chosen on their record (%(channel)s).",
                    document=self.display_name,
                    customer=partner.display_name,
                    channel=dict(partner._fields["fap_channel"]._description_selection(self.env))[channel],
                )
            )
        return send_email, number

    def _fap_sms_body(self, sms_template):
        """The SMS of ``sms_template`` for this document in one segment (one SMS billed, never split on the phone):
        as rendered when it fits; else in GSM-7 (160 characters a segment rather than 70: « ê » as « e », « « » as
        « " »); then with the company's name shortened down to ``SMS_NAME_MIN`` characters; then without what the
        linked page says anyway (``fap_sms_short``: the Interac line) and the name shortened as much as needed."""
        self.ensure_one()

        def render(**context):
            return sms_template.with_context(**context)._render_field("body", self.ids, compute_lang=True)[self.id]

        body = render()
        if is_one_segment(body):
            return body
        name = to_gsm7(self.company_id.name or "")
        for short, name_min in ((False, SMS_NAME_MIN), (True, 1)):
            body = to_gsm7(render(fap_sms_short=True) if short else body)
            excess = gsm7_units(body) - GSM7_SEGMENT
            if excess <= 0:
                return body
            keep = len(name) - excess - 1
            if name and name in body and keep >= name_min:
                return body.replace(name, name[:keep].rstrip() + ".", 1)
        return body

    @api.model
    def _fap_channel_labels(self, channels):
        """The words of ``channels`` (``"email"``, ``"sms"``) in the environment's language."""
        labels = {"email": self.env._("email"), "sms": self.env._("SMS")}
        return [labels[channel] for channel in channels]

    def _fap_notify_customer_after_payment(self, mail_template, sms_template):
        """``_fap_notify_customer`` in a savepoint: a customer who cannot be reached must not undo the payment's
        bookkeeping. Return why nothing was sent, else None."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._fap_notify_customer(mail_template, sms_template)
        except UserError as error:
            _logger.info("%s of %s not sent: %s", mail_template.name, self.display_name, error)
            return error.args[0]
        return None

    def _fap_prepare_send(self):
        return

    def _fap_prepare_send_batch(self):
        """What the documents of a mass sending can prepare together, before each is sent."""
        return

    def _fap_post_email(self, mail_template, partner):
        """Post the template as a message to the customer, through the composer as Odoo's own sendings do: the
        chatter tracks its delivery."""
        self.message_post_with_source(
            mail_template,
            email_layout_xmlid="facture_a_payer.mail_layout_fap",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=partner.ids,
        )

    # ------------------------------------------------------------------------------------------
    # Reminders
    # ------------------------------------------------------------------------------------------
    def _fap_document_type(self):
        """``quote`` or ``invoice``: which steps of the cadence apply."""
        raise NotImplementedError

    def _fap_reminder_open(self, today):
        """Whether the document still waits for the customer (an answer, a payment) on ``today``."""
        raise NotImplementedError

    def _fap_reminder_candidates_domain(self):
        """A domain that narrows the search of documents that may still be reminded (``_fap_reminder_open`` tells)."""
        raise NotImplementedError

    def _fap_reminders_paused(self):
        """« Ne pas relancer » on the document or on its customer."""
        self.ensure_one()
        return self.fap_reminder_paused or self.partner_id.fap_reminder_paused

    def _fap_amount_due(self):
        return self.amount_total

    def _fap_reminder_steps(self):
        """The company's steps that apply to this document, with their day (a date of the document they count
        from may be missing), in order of day."""
        self.ensure_one()
        steps = self.company_id.fap_reminder_step_ids.filtered(
            lambda step: step.enabled and step.document_type == self._fap_document_type()
        )
        dated = [(step._date_for(self), step) for step in steps]
        return sorted(((day, step) for day, step in dated if day), key=lambda pair: (pair[0], pair[1].sequence))

    def _fap_pending_reminder_steps(self):
        """The steps not reminded yet whose day falls after the sending (and, for a quote, before it expires)."""
        self.ensure_one()
        if not self.fap_sent_at:
            return []
        done = self.fap_reminder_ids.step_id
        sent_day = self.fap_sent_at.date()
        last_day = self._fap_reminder_last_day()
        return [
            (day, step)
            for day, step in self._fap_reminder_steps()
            if step not in done and day > sent_day and (not last_day or day <= last_day)
        ]

    def _fap_reminder_last_day(self):
        """The last day a reminder makes sense (a quote's expiry), ``False`` for none."""
        return False

    def _fap_due_reminder_steps(self, today):
        """The pending steps whose day has come, oldest first."""
        return [step for day, step in self._fap_pending_reminder_steps() if day <= today]

    def _fap_schedule_reminders(self):
        """Keep the next reminder of each document (none when it is closed, paused or its company's reminders
        are off)."""
        today = fields.Date.context_today(self)
        for document in self:
            day = step = False
            if (
                document.fap_flow
                and document.company_id.fap_reminders
                and not document._fap_reminders_paused()
                and document._fap_reminder_open(today)
            ):
                day, step = next(iter(document._fap_pending_reminder_steps()), (False, False))
            if (document.fap_next_reminder_date, document.fap_next_reminder_step_id) != (day, step or False):
                document.sudo().write({"fap_next_reminder_date": day, "fap_next_reminder_step_id": step and step.id})

    def _fap_sent_at_fallback(self):
        """When a document sent before reminders existed was sent (it has no ``fap_sent_at``), else ``False``."""
        return False

    @api.model
    def _fap_plan_reminders_of_sent_documents(self):
        """Plan the next reminder of the app's open documents that were sent and have none planned: sent before
        reminders existed (no sending date: the document's own date stands for it), or written as sent by data
        files (the demo's). Run by the module's migration and by the demo's data; running it again changes
        nothing."""
        documents = self.search(
            [*self._fap_reminder_candidates_domain(), ("fap_flow", "=", True), ("fap_next_reminder_date", "=", False)]
        )
        for document in documents.filtered(lambda doc: not doc.fap_sent_at):
            sent_at = document._fap_sent_at_fallback()
            if sent_at:
                document.sudo().fap_sent_at = sent_at
        documents.filtered("fap_sent_at")._fap_schedule_reminders()

    def _fap_reminder_documents(self):
        """The documents a reminder message lists: this one, or the customer's documents due with it."""
        ids = self.env.context.get("fap_reminder_document_ids")
        return self.browse(ids) if ids else self

    def _fap_reminder_summary(self):
        """What the reminder SMS says is due, in the rendering language (one segment, GSM alphabet)."""
        documents = self._fap_reminder_documents()
        total = self._fap_get_sms_amount(sum(doc._fap_amount_due() for doc in documents))
        if len(documents) > 1:
            if self._fap_document_type() == "quote":
                return self.env._(
                    "%(count)s quotes awaiting your answer, %(amount)s", count=len(documents), amount=total
                )
            return self.env._("%(count)s invoices, %(amount)s due", count=len(documents), amount=total)
        return self._fap_reminder_summary_one(total)

    def _fap_reminder_summary_one(self, amount):
        raise NotImplementedError

    def action_fap_pause_reminders(self):
        self.write({"fap_reminder_paused": True})
        self._fap_schedule_reminders()

    def action_fap_resume_reminders(self):
        self.write({"fap_reminder_paused": False})
        self._fap_schedule_reminders()
