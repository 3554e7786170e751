import re

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import email_trust
from ..tools.interac_notification import (
    NotificationParseError,
    name_key,
    notification_text,
    parse_notification,
    reference_pattern,
)


class FactureAPayerInteracTransfer(models.Model):
    """An Interac e-Transfer deposit notification received by email (« Virement Interac reçu »)."""

    _name = "facture_a_payer.interac.transfer"
    _description = "Interac e-Transfer received"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _rec_name = "subject"
    _check_company_auto = True

    subject = fields.Char(readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, default=lambda self: self.env.company
    )
    state = fields.Selection(
        [
            ("review", "To check"),
            ("to_match", "To match"),
            ("matched", "Matched"),
            ("duplicate", "Duplicate"),
            ("ignored", "Ignored"),
        ],
        default="review",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    trusted = fields.Boolean(
        readonly=True, help="Signed by a notifying domain (DKIM), or through a trusted forwarding mailbox (ARC)."
    )
    trust_detail = fields.Char(string="Signature", readonly=True)
    parse_error = fields.Char(string="Not read", readonly=True)
    lang = fields.Selection([("fr", "French"), ("en", "English")], string="Notification language", readonly=True)
    sender_name = fields.Char(string="Sender", readonly=True)
    # Editable only when the notification could not be read: the merchant types what the email says.
    amount = fields.Monetary(currency_field="currency_id")
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id, readonly=True
    )
    message = fields.Char(string="Sender's message", readonly=True)
    reference = fields.Char(string="Interac reference number", readonly=True, index="btree_not_null")
    date = fields.Datetime(string="Received", readonly=True, default=fields.Datetime.now)
    email_from = fields.Char(string="From", readonly=True)
    raw_email = fields.Binary(string="Original email", attachment=True, readonly=True)
    raw_email_name = fields.Char(default="notification.eml", readonly=True)
    invoice_id = fields.Many2one(
        "account.move",
        check_company=True,
        domain="[('company_id', '=', company_id), ('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('payment_state', 'in', ('not_paid', 'partial'))]",
        tracking=True,
    )
    candidate_ids = fields.Many2many("account.move", string="Candidates", readonly=True, copy=False)
    match_method = fields.Selection(
        [("reference", "Reference in the message"), ("amount_name", "Amount and name"), ("manual", "By hand")],
        string="Matched by",
        readonly=True,
    )
    payment_id = fields.Many2one("account.payment", readonly=True, copy=False)
    duplicate_of_id = fields.Many2one("facture_a_payer.interac.transfer", string="Same transfer as", readonly=True)

    # One Interac reference number pays once: a second copy of a notification waits as a duplicate.
    _fap_reference_once = models.UniqueIndex(
        "(company_id, reference) WHERE trusted AND state NOT IN ('duplicate', 'ignored')"
    )

    @api.depends("sender_name", "amount", "currency_id", "subject")
    def _compute_display_name(self):
        for transfer in self:
            if transfer.sender_name:
                transfer.display_name = transfer.env._(
                    "%(sender)s, %(amount)s",
                    sender=transfer.sender_name,
                    amount=transfer.currency_id.format(transfer.amount),
                )
            else:
                transfer.display_name = transfer.subject or transfer.env._("Interac e-Transfer")

    # ------------------------------------------------------------------------------------------
    # Receiving (Odoo's mail gateway, by the company's alias)
    # ------------------------------------------------------------------------------------------
    @api.model
    def message_new(self, msg_dict, custom_values=None):
        raw = self.env.context.get("fap_raw_email") or b""
        # The gateway's date is the email's Date header, in UTC.
        values = dict(
            custom_values or {},
            raw_email=raw,
            email_from=msg_dict.get("email_from"),
            date=msg_dict.get("date") or fields.Datetime.now(),
        )
        transfer = super().message_new(msg_dict, values)
        transfer._fap_read()
        transfer._fap_match()
        transfer._fap_ask_merchant()
        return transfer

    def _fap_ask_merchant(self):
        """A notification that paid nothing gets an activity for the company's accountant (in their language)."""
        for transfer in self.filtered(lambda t: t.state in ("review", "to_match")):
            user = transfer.company_id._fap_accountant()
            if not user:
                continue
            merchant = transfer.with_context(lang=user.lang)
            if transfer.state == "review":
                summary = merchant.env._("Check an Interac e-Transfer notification")
                note = transfer.trust_detail
            else:
                summary = merchant.env._("Match an Interac e-Transfer")
                note = transfer.parse_error or merchant.env._(
                    "%(count)s open invoices may match.", count=len(transfer.candidate_ids)
                )
            merchant.activity_schedule("mail.mail_activity_data_todo", summary=summary, note=note, user_id=user.id)

    def _fap_read(self):
        """Check the signature, then read the notification: trusted ones go « To match », others « To check »."""
        for transfer in self:
            company = transfer.company_id
            raw = transfer.with_context(bin_size=False).raw_email or b""
            nameserver = self.env["ir.config_parameter"].sudo().get_param(email_trust.DNS_NAMESERVER_PARAM)
            trusted, how = email_trust.check(
                raw,
                email_trust.domain_list(company.fap_interac_notifying_domains),
                email_trust.domain_list(company.fap_interac_forwarders),
                email_trust.make_dnsfunc(nameserver),
            )
            values = {"trusted": trusted, "trust_detail": how, "parse_error": False}
            try:
                parsed = parse_notification(notification_text(raw))
            except NotificationParseError as error:
                values["parse_error"] = str(error)
            else:
                currency = (
                    self.env["res.currency"]
                    .with_context(active_test=False)
                    .search([("name", "=", parsed["currency"])], limit=1)
                )
                values.update(
                    {
                        "lang": parsed["lang"],
                        "sender_name": parsed["sender"],
                        "amount": parsed["amount"],
                        "currency_id": (currency or company.currency_id).id,
                        "message": parsed["message"],
                        "reference": parsed["reference"],
                    }
                )
            if not trusted:
                values["state"] = "review"
            else:
                values["state"] = "to_match"
                original = values.get("reference") and self.search(
                    [
                        ("company_id", "=", company.id),
                        ("reference", "=", values["reference"]),
                        ("trusted", "=", True),
                        ("state", "not in", ("duplicate", "ignored")),
                        ("id", "!=", transfer.id),
                    ],
                    limit=1,
                )
                if original:
                    values.update(state="duplicate", duplicate_of_id=original.id)
            transfer.write(values)
            if transfer.state == "duplicate":
                transfer.message_post(
                    body=self.env._(
                        "Same Interac reference number as %(original)s: this copy registers nothing.",
                        original=transfer.duplicate_of_id._get_html_link(),
                    )
                )

    # ------------------------------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------------------------------
    def _fap_open_invoices_domain(self):
        self.ensure_one()
        return [
            *self.env["account.move"]._fap_reminder_candidates_domain(),
            ("company_id", "=", self.company_id.id),
            ("currency_id", "=", self.currency_id.id),
        ]

    def _fap_candidates(self):
        """The open invoices the message names; else those due exactly the amount, of a customer of the
        sender's name. Returns ``(invoices, method)``."""
        self.ensure_one()
        Move = self.env["account.move"]
        message = re.sub(r"[^A-Za-z0-9]", "", self.message or "").upper()
        if message:
            # PostgreSQL keeps the invoices whose number (or payment reference), without its separators, is in
            # the message without its separators; the pattern then checks them as written (not inside a longer
            # number). Not every open invoice through Python: a company may have thousands.
            query = Move._search(self._fap_open_invoices_domain())
            contained = [
                SQL(
                    "(length(%(ref)s) >= 4 AND position(%(ref)s IN %(message)s) > 0)",
                    ref=SQL("upper(regexp_replace(COALESCE(%s, ''), '[^A-Za-z0-9]', '', 'g'))", column),
                    message=message,
                )
                for column in (SQL.identifier(query.table, "name"), SQL.identifier(query.table, "payment_reference"))
            ]
            query.add_where(SQL("(%s OR %s)", *contained))
            named = Move.browse(query.get_result_ids()).filtered(
                lambda move: any(
                    (pattern := reference_pattern(reference)) and pattern.search(self.message)
                    for reference in {move.name, move.payment_reference} - {False, "/"}
                )
            )
            if named:
                return named, "reference"
        sender = name_key(self.sender_name)
        if not sender or not self.amount:
            return Move, False
        same_amount = Move.search([*self._fap_open_invoices_domain(), ("amount_residual", "=", self.amount)])
        return same_amount.filtered(
            lambda move: sender in {name_key(move.partner_id.name), name_key(move.commercial_partner_id.name)}
        ), "amount_name"

    def _fap_match(self):
        """Register the payment of a trusted notification that names exactly one open invoice; else it waits in
        « To match » with its candidates."""
        for transfer in self.filtered(lambda t: t.state == "to_match" and not t.parse_error):
            candidates, method = transfer._fap_candidates()
            transfer.candidate_ids = candidates
            if len(candidates) == 1:
                transfer._fap_register(candidates, method)

    def _fap_register(self, invoice, method):
        """Register the e-Transfer as a payment of ``invoice`` in the e-Transfer journal and reconcile them."""
        self.ensure_one()
        invoice.ensure_one()
        # Whoever registers first wins: the merchant's tap and the gateway may race on one notification.
        self.flush_recordset(["state", "trusted"])
        self.env.cr.execute(f"SELECT state FROM {self._table} WHERE id = %s FOR UPDATE", [self.id])
        if self.env.cr.fetchone()[0] != "to_match" or not self.trusted:
            raise UserError(self.env._("This e-Transfer is no longer waiting to be matched."))
        self.invalidate_recordset(["state"])
        if invoice.state != "posted" or invoice.payment_state not in ("not_paid", "partial"):
            raise UserError(self.env._("The invoice %(invoice)s is not open.", invoice=invoice.display_name))
        if self.currency_id.compare_amounts(self.amount, 0.0) <= 0:
            raise UserError(self.env._("The e-Transfer's amount is missing."))
        journal = self.company_id.fap_interac_journal_id
        if not journal:
            self.company_id._fap_interac_setup()
            journal = self.company_id.fap_interac_journal_id
        due = invoice.amount_residual
        payment = (
            self.env["account.payment.register"]
            .with_company(self.company_id)
            .with_context(active_model="account.move", active_ids=invoice.ids, fap_interac_payment=True)
            .create(
                {
                    "journal_id": journal.id,
                    "amount": self.amount,
                    "currency_id": self.currency_id.id,
                    "payment_date": fields.Date.context_today(self, self.date),
                    "communication": self.env._("Interac e-Transfer %(reference)s", reference=self.reference or ""),
                    # More than due: the rest stays as the customer's credit.
                    "payment_difference_handling": "open",
                }
            )
            ._create_payments()
        )
        self.write({"state": "matched", "invoice_id": invoice.id, "payment_id": payment.id, "match_method": method})
        self.activity_unlink(["mail.mail_activity_data_todo"])
        invoice._fap_after_interac_payment(self, due)

    # ------------------------------------------------------------------------------------------
    # The merchant's actions
    # ------------------------------------------------------------------------------------------
    def action_fap_match(self):
        """Register the e-Transfer against the invoice chosen on the form."""
        self.ensure_one()
        if not self.invoice_id:
            raise UserError(self.env._("Choose the invoice this e-Transfer pays."))
        self._fap_register(self.invoice_id, "manual")
        return True

    def action_fap_verify_again(self):
        """Check the signature and read the email again (after a DNS outage, or new notifying domains)."""
        transfers = self.filtered(lambda t: t.state == "review")
        transfers._fap_read()
        transfers._fap_match()
        transfers.activity_unlink(["mail.mail_activity_data_todo"])
        transfers._fap_ask_merchant()
        return True

    def action_fap_ignore(self):
        transfers = self.filtered(lambda t: t.state in ("review", "to_match"))
        transfers.state = "ignored"
        transfers.activity_unlink(["mail.mail_activity_data_todo"])
        return True
