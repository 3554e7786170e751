import logging

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import format_date

from .sale_order import FAP_STATUS

# The quote's statuses, as the merchant reads them on an invoice: posted and not paid is « À payer », whether sent
# by the app or made by the customer's approval.
FAP_INVOICE_STATUS = [(key, "To pay" if key in ("sent", "approved") else label) for key, label in FAP_STATUS]

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "facture_a_payer.document"]

    # Sending: the hooks of facture_a_payer.document.
    def _fap_check_sendable(self):
        if self.move_type != "out_invoice":
            raise UserError(self.env._("Only customer invoices can be sent with their payment link."))
        if self.state == "cancel":
            raise UserError(self.env._("The invoice %(name)s is cancelled: it cannot be sent.", name=self.display_name))
        if self.state == "draft" and not self.env.context.get("fap_post_draft"):
            raise UserError(
                self.env._(
                    "The invoice %(name)s is a draft: confirm it before sending it to the customer.",
                    name=self.display_name,
                )
            )

    def _fap_prepare_send(self):
        # « Enregistrer et envoyer » on a draft (the button says so) confirms it first.
        if self.state == "draft":
            self.action_post()

    def _fap_prepare_send_batch(self):
        # As Send & Print does for a batch: the legal PDFs in one rendering (one wkhtmltopdf run), not one each.
        self._fap_generate_invoice_pdf()

    def _fap_post_email(self, mail_template, partner):
        # The invoice itself goes out through Odoo's Send & Print: the legal PDF is generated once, attached to
        # the invoice and to the email, and is what the portal serves. Receipts and notices are plain messages.
        if self.env.ref("account.account_invoices") not in mail_template.report_template_ids:
            return super()._fap_post_email(mail_template, partner)
        self.env["account.move.send"].with_context(
            fap_mail_layout="facture_a_payer.mail_layout_fap"
        )._generate_and_send_invoices(
            self, sending_methods={"email"}, mail_template=mail_template, mail_partner_ids=partner.ids
        )
        return None

    def _fap_get_templates(self):
        return (
            self.env.ref("facture_a_payer.mail_template_fap_invoice"),
            self.env.ref("facture_a_payer.sms_template_fap_invoice"),
        )

    def _fap_mark_sent(self):
        # Sent by SMS only, it has its legal PDF too (Send & Print makes it with the email).
        self._fap_generate_invoice_pdf()
        self.is_move_sent = True

    # Reminders: the hooks of facture_a_payer.document.
    fap_reminder_ids = fields.One2many("facture_a_payer.reminder", "move_id", string="Reminders sent")

    def _fap_document_type(self):
        return "invoice"

    def _fap_reminder_open(self, today):
        # Paid (or being paid), cancelled or reversed: nothing to remind any more. Partly paid: the rest is.
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and self.payment_state in ("not_paid", "partial")
            and not self._fap_is_paid()
            # A debit being processed is not reminded; if it fails, reminders resume.
            and "pending" not in self.transaction_ids.mapped("state")
        )

    def _fap_reminder_candidates_domain(self):
        return [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ["not_paid", "partial"]),
        ]

    def _fap_amount_due(self):
        return self.amount_residual

    def _fap_sent_at_fallback(self):
        # An invoice marked sent: its date stands for its sending.
        return self.is_move_sent and self.invoice_date and fields.Datetime.to_datetime(self.invoice_date)

    def _fap_days_late(self):
        today = fields.Date.context_today(self)
        return max((today - self.invoice_date_due).days, 0) if self.invoice_date_due else 0

    def _fap_reminder_summary_one(self, amount):
        if days := self._fap_days_late():
            return self.env._(
                "invoice %(name)s, %(amount)s due, %(days)s days late", name=self.name, amount=amount, days=days
            )
        if self.invoice_date_due:
            return self.env._(
                "invoice %(name)s, %(amount)s due by %(date)s",
                name=self.name,
                amount=amount,
                date=format_date(self.env, self.invoice_date_due),
            )
        return self.env._("invoice %(name)s, %(amount)s due", name=self.name, amount=amount)

    def _fap_in_flow(self):
        # An invoice made by hand from a quote the customer approved in the app is the app's too.
        return self.move_type == "out_invoice" and bool(
            super()._fap_in_flow() or self.invoice_line_ids.sale_line_ids.order_id.filtered("fap_approved")
        )

    # The merchant's badge: « En retard » depends on today, so computed on read and searchable.
    fap_status = fields.Selection(
        FAP_INVOICE_STATUS, string="Invoice status", compute="_compute_fap_status", search="_search_fap_status"
    )

    @api.depends(
        "state",
        "payment_state",
        "amount_residual",
        "invoice_date_due",
        "is_move_sent",
        "transaction_ids.state",
        "transaction_ids.is_post_processed",
    )
    def _compute_fap_status(self):
        today = fields.Date.context_today(self)
        for move in self:
            if move.state != "posted":
                move.fap_status = move.state
            elif move._fap_is_paid():
                move.fap_status = "paid"
            elif move.invoice_date_due and move.invoice_date_due < today:
                move.fap_status = "overdue"
            elif move.payment_state == "partial":
                move.fap_status = "partial"
            elif move.is_move_sent:
                move.fap_status = "sent"
            else:
                move.fap_status = "approved"

    def _fap_is_paid(self):
        # A confirmed card payment counts before Odoo's post-processing reconciles it, if it pays what is due.
        confirmed = self.transaction_ids.filtered(lambda tx: tx.state == "done" and not tx.is_post_processed)
        return self.payment_state in ("paid", "in_payment") or (
            bool(confirmed)
            and self.currency_id.compare_amounts(sum(confirmed.mapped("amount")), self.amount_residual) >= 0
        )

    def _search_fap_status(self, operator, value):
        if operator not in ("in", "="):
            return NotImplemented
        statuses = [value] if isinstance(value, str) else list(value)
        today = fields.Date.context_today(self)
        # A payment confirmed but not yet post-processed counts as paid (only a partial payment would not).
        paid = Domain("payment_state", "in", ["paid", "in_payment"]) | Domain(
            "transaction_ids", "any", [("state", "=", "done"), ("is_post_processed", "=", False)]
        )
        unpaid = Domain("state", "=", "posted") & ~paid
        not_due = Domain("invoice_date_due", "=", False) | Domain("invoice_date_due", ">=", today)
        partial = Domain("payment_state", "=", "partial")
        domains = {
            "draft": Domain("state", "=", "draft"),
            "cancel": Domain("state", "=", "cancel"),
            "paid": Domain("state", "=", "posted") & paid,
            "overdue": unpaid & Domain("invoice_date_due", "<", today),
            "partial": unpaid & not_due & partial,
            "sent": unpaid & not_due & ~partial & Domain("is_move_sent", "=", True),
            "approved": unpaid & not_due & ~partial & Domain("is_move_sent", "=", False),
        }
        return Domain.OR(domains[status] for status in statuses if status in domains)

    def fap_get_payment_status(self):
        """Read by the « Payer » screen while it waits for the customer's payment."""
        self.ensure_one()
        self.check_access("read")
        return {"paid": self._fap_is_paid(), "status": self.fap_status}

    def action_fap_open(self):
        """A tap on an invoice's card: its details, at their own path (a reload or a shared link shows them)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("facture_a_payer.account_move_action_fap_details")
        action.update(res_id=self.id, target="current")
        return action

    def action_fap_edit(self):
        """« Modifier » a draft: Odoo's invoice form without its header, « Enregistrer » back to the details."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("facture_a_payer.account_move_action_fap_edit")
        action.update(res_id=self.id, target="current")
        return action

    def get_formview_action(self, access_uid=None):
        # A link to a customer invoice from one of the app's screens (an e-Transfer's invoice) opens its details.
        if self.env.context.get("fap_details") and len(self) == 1 and self.move_type == "out_invoice":
            return self.action_fap_open()
        return super().get_formview_action(access_uid=access_uid)

    def action_fap_close(self):
        """The ✕ of the details: back to « Accueil », without a trail of breadcrumbs."""
        return self.env["facture_a_payer.home"].action_fap_home()

    def action_fap_pay_now(self):
        """« Payer »: the invoice's payment link and its QR code, full screen, until it is paid."""
        self.ensure_one()
        self.check_access("read")
        # Shown to the customer by the app: the page they open is the app's.
        if not self.fap_flow:
            self.sudo().fap_flow = True
        url = self._fap_get_share_url()
        return {
            "type": "ir.actions.client",
            "tag": "facture_a_payer.pay_now",
            "name": self.env._("Pay"),
            "target": "fullscreen",
            "params": {
                "move_id": self.id,
                "name": self.name,
                "url": url,
                "amount": self.currency_id.format(self.amount_residual or self.amount_total),
                "paid": self._fap_is_paid(),
            },
        }

    # Revoking links, the receipt and the merchant's notice after an online payment.
    fap_receipt_sent = fields.Boolean(string="Receipt sent", copy=False, readonly=True)

    def _fap_generate_invoice_pdf(self):
        """Generate and attach the legal PDF of the posted invoices that have none yet, as Send & Print does
        without sending anything, leaving them « not sent ».

        Until an invoice is sent, Odoo's portal offers a pro forma; an invoice made by the customer's own approval
        was never sent, yet it is the invoice the customer downloads.
        """
        invoices = self.filtered(lambda move: move.state == "posted" and not move.invoice_pdf_report_id)
        if not invoices:
            return
        sent = invoices.filtered("is_move_sent")
        self.env["account.move.send"]._generate_and_send_invoices(invoices, sending_methods=set())
        (invoices - sent).is_move_sent = False

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        self._fap_close_failed_payment_activities()
        # Only invoices of our flow (sent with their link, or made by one of our approvals): any other invoice
        # paid online gets Odoo's messages only. An e-Transfer that completes an invoice sends its own receipt.
        if self.env.context.get("fap_interac_payment"):
            return res
        self.filtered(
            lambda move: (
                move.move_type == "out_invoice"
                and not move.fap_receipt_sent
                and "done" in move.transaction_ids.mapped("state")
                and move._fap_in_flow()
            )
        )._fap_after_online_payment()
        return res

    def _fap_close_failed_payment_activities(self):
        """The merchant's to-do « A payment did not go through » is done once the invoice is paid."""
        for invoice in self.filtered(lambda move: move.payment_state in ("paid", "in_payment")):
            merchant = invoice._fap_merchant()
            summaries = {merchant.env._("A payment did not go through"), self.env._("A payment did not go through")}
            to_dos = invoice.sudo().activity_ids.filtered(lambda activity, names=summaries: activity.summary in names)
            if to_dos:
                to_dos.action_feedback(feedback=merchant.env._("The invoice is paid."))

    def _fap_after_online_payment(self, amount=None, method=None):
        """The receipt of an online payment of ``amount`` by ``method`` (by default, the last online payment of the
        invoice alone, else the whole invoice), and the salesperson's note and to-do."""
        for invoice in self.with_user(SUPERUSER_ID):
            last = invoice._fap_last_online_payment()
            if amount is None:
                paid = last.amount if last and last.invoice_ids == invoice else invoice.amount_total
            else:
                paid = amount
            merchant = invoice._fap_merchant()
            invoice._fap_after_payment(
                merchant.env._(
                    "%(customer)s paid %(amount)s online.",
                    customer=invoice.partner_id.display_name,
                    amount=invoice.currency_id.format(paid),
                ),
                paid,
                last._fap_payment_label() if method is None and last else method or "",
                activity=merchant.env._("Paid online by the customer"),
            )

    def _fap_salesperson(self):
        return self.invoice_user_id or self.create_uid

    def _creation_message(self):
        # Odoo's « Invoice Created » is written in the language of whoever creates the invoice (the customer whose
        # approval makes it, a cron): the app's invoices say it in the merchant's.
        if self.move_type == "out_invoice" and (self.fap_flow or self.invoice_line_ids.sale_line_ids.order_id.fap_flow):
            return super(AccountMove, self._fap_merchant())._creation_message()
        return super()._creation_message()

    def _fap_after_payment(self, note, amount, method, activity=None):
        """The receipt of a payment of ``amount`` by ``method`` with the merchant's ``note`` (and to-do
        ``activity``); the last receipt, the invoice paid, marks the invoice's receipt sent."""
        self.ensure_one()
        if self.payment_state in ("paid", "in_payment") or self.currency_id.is_zero(self.amount_residual):
            self.fap_receipt_sent = True
        self._fap_tell_customer_and_merchant(
            note,
            activity=activity,
            mail_template=self.env.ref("facture_a_payer.mail_template_fap_receipt"),
            sms_template=self.env.ref("facture_a_payer.sms_template_fap_receipt"),
            amount=amount,
            method=method,
        )

    def _fap_tell_customer_and_merchant(
        self, note, activity=None, mail_template=None, sms_template=None, amount=None, method=None
    ):
        """Tell the merchant and the customer what became of the invoice's money (paid, failed, refunded).

        The merchant: ``note`` (in the merchant's language) on the invoice, and a to-do ``activity`` (its summary,
        the note as its text) for the salesperson, else the note is sent to them. The customer: ``mail_template``
        and ``sms_template`` by their channels, with ``amount`` and ``method`` (what a receipt says was paid, and
        how), written and sent by the notices' cron once this transaction is committed (``facture_a_payer.notice``):
        a transaction rolled back (and retried) sends nothing, each message goes once, and the payment's request
        neither renders nor sends them. Both stay on the invoice's chatter with their delivery state; why the
        customer could not be told is noted.
        """
        self.ensure_one()
        invoice = self.with_user(SUPERUSER_ID)
        salesperson = invoice._fap_salesperson()
        merchant = invoice._fap_merchant()
        invoice.message_post(
            body=note,
            message_type="notification",
            subtype_xmlid="mail.mt_note",
            partner_ids=[] if activity else salesperson.partner_id.ids,
        )
        if activity:
            merchant.activity_schedule(
                "mail.mail_activity_data_todo", summary=activity, note=note, user_id=salesperson.id
            )
        if mail_template or sms_template:
            # Written by the notices' cron, which the commit of this transaction calls (see facture_a_payer.notice).
            invoice.env["facture_a_payer.notice"].create(
                {
                    "move_id": invoice.id,
                    "mail_template_id": mail_template.id if mail_template else False,
                    "sms_template_id": sms_template.id if sms_template else False,
                    "amount": amount or 0.0,
                    "method": method or False,
                }
            )
            invoice.env.ref("facture_a_payer.ir_cron_fap_notices")._trigger()

    def _fap_last_online_payment(self):
        """The last payment of the invoice made online (done, not a refund), or an empty recordset."""
        return self.transaction_ids.filtered(lambda tx: tx.state == "done" and tx.operation != "refund").sorted("id")[
            -1:
        ]

    def _fap_receipt_amount(self):
        """What the receipt says was paid: the amount given to ``_fap_tell_customer_and_merchant`` while it renders
        the receipt, else (a preview of the template) the last online payment of this invoice alone, else the
        whole invoice."""
        if (amount := (self.env.context.get("fap_notice") or {}).get("amount")) is not None:
            return amount
        last = self._fap_last_online_payment()
        return last.amount if last and last.invoice_ids == self else self.amount_total

    def _fap_receipt_method(self):
        """How the payment the receipt is for was made: the method given to ``_fap_tell_customer_and_merchant``
        while it renders the receipt, else the last online payment's method and card or account digits
        (« Visa •••• 4242 », « Apple Pay · Visa •••• 4242 »)."""
        if (method := (self.env.context.get("fap_notice") or {}).get("method")) is not None:
            return method
        last = self._fap_last_online_payment()
        return last._fap_payment_label() if last else ""

    def _fap_receipt_payments(self):
        """The paid invoice's receipt on its page, a line per payment, oldest first: its date, what it paid of this
        invoice and how, in the reader's language (« Visa •••• 4242 », « Interac e-Transfer », else the journal);
        ``tx`` is the online payment's transaction, if any."""
        self.ensure_one()
        lines = []
        for entry in (self.invoice_payments_widget or {}).get("content", []):
            if entry["is_exchange"] or entry["is_refund"]:
                continue
            payment = self.env["account.payment"].browse(entry["account_payment_id"])
            tx = payment.payment_transaction_id
            if tx:
                method = tx._fap_payment_label()
            elif payment.journal_id and payment.journal_id == self.company_id.fap_interac_journal_id:
                method = self.env._("Interac e-Transfer")
            else:
                method = entry["journal_name"]
            lines.append({"date": entry["date"], "amount": entry["amount"], "method": method, "tx": tx})
        return sorted(lines, key=lambda line: line["date"])

    def _fap_portal_history(self):
        order = self.invoice_line_ids.sale_line_ids.order_id[:1]
        history = order._fap_portal_history() if order else []
        if order.fap_approved:
            history.append((self.env._("Approved"), self._fap_day(order.date_order)))
        if not order and self.fap_sent_at:
            history.append((self.env._("Sent"), self._fap_day(self.fap_sent_at)))
        history += [
            (self.env._("Paid %(amount)s", amount=payment.currency_id.format(payment.amount)), payment.date)
            for payment in self._get_reconciled_payments().sorted("date")
        ]
        return history

    def _fap_receipt_note(self):
        """What the receipt says the invoice is: the deposit of a quote, or its balance (in the reader's language)."""
        order = self.invoice_line_ids.sale_line_ids.order_id[:1]
        deposits = order._fap_deposit_invoices() if order else self.browse()
        if self in deposits:
            return self.env._("This payment is the deposit of the quote %(quote)s.", quote=order.name)
        if deposits:
            return self.env._(
                "This invoice is the balance of the quote %(quote)s, its deposit deducted.", quote=order.name
            )
        return ""

    def get_portal_last_transaction(self):
        # Once an invoice of the app is paid (by any means: a card, Interac, a cheque), an earlier failed or
        # cancelled try is history: Odoo's status box no longer shows it on the customer's page.
        last = super().get_portal_last_transaction()
        if last.state in ("error", "cancel") and self.payment_state in ("paid", "in_payment") and self._fap_in_flow():
            return last.browse()
        return last

    def _fap_last_failed_payment(self):
        """The last payment of the invoice when it failed after the customer left the payment page (the notice
        to the customer and the invoice page say so), else an empty recordset."""
        last = self.transaction_ids.filtered(lambda tx: tx.operation != "refund").sorted("id")[-1:]
        return last if last.state == "error" and self.payment_state in ("not_paid", "partial") else last.browse()

    def _fap_partial_bounds(self):
        """``(minimum, maximum)`` the customer may pay now when the company lets customers pay part of an invoice
        of the app's flow, else None."""
        self.ensure_one()
        company, currency, due = self.company_id, self.currency_id, self.amount_residual
        if not (
            company.fap_partial_payments
            and self.move_type == "out_invoice"
            and self.state == "posted"
            and currency.compare_amounts(due, 0) > 0
            and self._fap_in_flow()
        ):
            return None
        minimum = company.currency_id._convert(
            company.fap_partial_min_amount, currency, company, fields.Date.context_today(self)
        )
        # At least one cent (the currency's rounding): a part of nothing is no payment.
        minimum = max(minimum, due * company.fap_partial_min_percent / 100, currency.rounding)
        return currency.round(min(minimum, due)), due

    def _fap_partial_input(self):
        """What « Montant à payer » needs, in the language of the page: the bounds, the amount written as the
        customer writes it (« 705,95 » in French) and the messages the page shows for a wrong amount; None when
        the customer may not pay part of the invoice."""
        bounds = self._fap_partial_bounds()
        if not bounds:
            return None
        currency = self.currency_id
        point = self.env["res.lang"]._get_data(code=self.env.lang).decimal_point or "."

        def written(amount):
            return f"{amount:.{currency.decimal_places}f}".replace(".", point)

        return {
            "min": bounds[0],
            "max": bounds[1],
            "value": written(bounds[1]),
            "invalid": self.env._("Write an amount in numbers, for example %(example)s.", example=written(bounds[1])),
            "range": self.env._(
                "Pay from %(minimum)s to %(maximum)s.",
                minimum=currency.format(bounds[0]),
                maximum=currency.format(bounds[1]),
            ),
        }

    # Interac e-Transfer.
    def _fap_interac_offered(self):
        """The invoice page, email and SMS offer Interac: the company takes it and something is left to pay (an SMS
        too long with it says it no more, ``fap_sms_short``: its link leads to the page, which does)."""
        self.ensure_one()
        return bool(
            not self.env.context.get("fap_sms_short")
            and self.company_id.fap_interac
            and self.company_id.fap_interac_email
            and self.move_type == "out_invoice"
            and self.state == "posted"
            and self.payment_state in ("not_paid", "partial")
            and self.currency_id.name == "CAD"
        )

    def _fap_interac_message(self):
        """What the customer writes as the e-Transfer's message: the invoice's number."""
        return self.name

    def _fap_after_interac_payment(self, transfer, due):
        """A registered e-Transfer: the chatter links its notification, the customer gets a receipt, the
        salesperson is told (and asked to see to the credit when the customer paid more than due)."""
        invoice = self.with_user(SUPERUSER_ID)
        merchant = invoice._fap_merchant()
        body = merchant.env._(
            "%(sender)s paid %(amount)s by Interac e-Transfer (%(notification)s).",
            sender=transfer.sender_name or transfer.email_from,
            amount=invoice.currency_id.format(transfer.amount),
            notification=transfer._get_html_link(),
        )
        activity = None
        excess = transfer.amount - due
        if invoice.currency_id.compare_amounts(excess, 0) > 0:
            body = merchant.env._(
                "%(body)s That is %(excess)s more than was due: the difference stays as the customer's credit.",
                body=body,
                excess=invoice.currency_id.format(excess),
            )
            activity = merchant.env._("Use or refund the customer's credit")
        method = invoice.with_context(lang=invoice.partner_id.lang or invoice.env.lang).env._("Interac e-Transfer")
        invoice._fap_after_payment(body, transfer.amount, method, activity=activity)

    def action_fap_interac_match(self):
        """« Match »: on a candidate of an e-Transfer waiting to be matched (its form's list)."""
        self.ensure_one()
        transfer = self.env["facture_a_payer.interac.transfer"].browse(self.env.context.get("fap_interac_transfer_id"))
        if not transfer.exists():
            raise UserError(self.env._("Open the e-Transfer to match it with this invoice."))
        transfer._fap_register(self, "manual")
        return {"type": "ir.actions.client", "tag": "soft_reload"}
