import base64
import logging
import re

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, mute_logger

from ..tools import email_trust
from ..tools.interac_notification import (
    CANCELLED,
    DEPOSITED,
    EXPIRED,
    REMINDER,
    TO_CLAIM,
    NotificationParseError,
    name_key,
    parse_notification,
    read_email,
    reference_pattern,
)

_logger = logging.getLogger(__name__)

# What only the notification itself (read by the server) or the record's actions set, whatever the client.
PROTECTED_FIELDS = {
    "subject",
    "company_id",
    "state",
    "kind",
    "trusted",
    "trust_detail",
    "parse_error",
    "lang",
    "sender_name",
    "amount",
    "currency_id",
    "message",
    "reference",
    "date",
    "transfer_date",
    "email_from",
    "raw_email",
    "raw_email_name",
    "candidate_ids",
    "match_method",
    "payment_id",
    "duplicate_of_id",
}


class FactureAPayerInteracTransfer(models.Model):
    """An Interac e-Transfer notification received by email (« Virement Interac reçu »): a deposit pays the invoice
    it names; money to claim, reminders, requests and expiries never pay."""

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
            ("to_claim", "To claim"),
            ("to_match", "To match"),
            ("matched", "Matched"),
            ("claimed", "Claimed"),
            ("duplicate", "Duplicate"),
            ("ignored", "Ignored"),
        ],
        default="review",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    kind = fields.Selection(
        [
            (DEPOSITED, "Deposited"),
            (TO_CLAIM, "To claim"),
            (REMINDER, "Reminder"),
            ("request", "Money request"),
            (EXPIRED, "Expired"),
            (CANCELLED, "Cancelled"),
            ("other", "Other"),
        ],
        string="Notice",
        readonly=True,
        help="What Interac's notification says: only a deposit may pay an invoice.",
    )
    trusted = fields.Boolean(
        readonly=True,
        help="Signed by a notifying domain (DKIM), or through a trusted forwarding mailbox (ARC), and sent to your "
        "Autodeposit address.",
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
    transfer_date = fields.Date(string="Transfer date", readonly=True)
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

    # One Interac transfer pays once in the whole database, whatever the company, the Message-ID or what became
    # of the first notice (ignored included): a second notice of its deposit is a duplicate.
    _fap_reference_once = models.UniqueIndex(
        "(reference) WHERE trusted AND kind = 'deposited' AND state != 'duplicate'"
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

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(PROTECTED_FIELDS & set(vals) for vals in vals_list):
            raise AccessError(self.env._("Interac e-Transfers are recorded from their notifications only."))
        return super().create(vals_list)

    def write(self, vals):
        protected = PROTECTED_FIELDS & set(vals)
        # The merchant types the amount of a trusted notification that could not be read, nothing else.
        typed_amount = protected == {"amount"} and all(
            transfer.state == "to_match" and transfer.parse_error for transfer in self
        )
        if protected and not self.env.su and not typed_amount:
            raise AccessError(
                self.env._(
                    "Only the notification and the e-Transfer's actions change %(fields)s.",
                    fields=", ".join(sorted(protected)),
                )
            )
        return super().write(vals)

    # ------------------------------------------------------------------------------------------
    # Receiving (Odoo's mail gateway, by the company's alias; as superuser, like every gateway's record)
    # ------------------------------------------------------------------------------------------
    @api.model
    def message_new(self, msg_dict, custom_values=None):
        raw = self.env.context.get("fap_raw_email") or b""
        # The gateway's date is the email's Date header, in UTC.
        values = dict(
            custom_values or {},
            raw_email=base64.b64encode(raw),
            raw_email_name="interac-notification.eml",
            email_from=msg_dict.get("email_from"),
            date=msg_dict.get("date") or fields.Datetime.now(),
        )
        transfer = super().message_new(msg_dict, values)
        transfer._fap_receive()
        return transfer

    def _fap_receive(self):
        """Read, match and ask the merchant; whatever goes wrong leaves the record « To check » with the reason,
        never a failed gateway run that would lose the email."""
        for transfer in self:
            try:
                with self.env.cr.savepoint():
                    transfer._fap_read()
                    transfer._fap_match()
            except Exception as error:  # the email is kept: a person looks at it
                _logger.warning("Interac notification %s could not be processed", transfer.id, exc_info=True)
                transfer.sudo().write(
                    {"state": "review", "trusted": False, "parse_error": f"{error.__class__.__name__}: {error}"}
                )
        self._fap_ask_merchant()

    def _fap_ask_merchant(self):
        """A notification that paid nothing gets an activity for the company's accountant (in their language)."""
        for transfer in self.filtered(lambda t: t.state in ("review", "to_match", "to_claim")):
            user = transfer.company_id._fap_accountant()
            if not user:
                continue
            merchant = transfer.with_context(lang=user.lang)
            if transfer.state == "review":
                summary = merchant.env._("Check an Interac e-Transfer notification")
                note = transfer.parse_error or transfer.trust_detail
            elif transfer.state == "to_claim":
                summary = merchant.env._("Claim an Interac e-Transfer")
                note = merchant.env._(
                    "%(sender)s sent %(amount)s that waits to be deposited: claim it at your bank. Its deposit "
                    "notice will pay the invoice.",
                    sender=transfer.sender_name or "?",
                    amount=transfer.currency_id.format(transfer.amount),
                )
            else:
                summary = merchant.env._("Match an Interac e-Transfer")
                note = transfer.parse_error or merchant.env._(
                    "%(count)s open invoices may match.", count=len(transfer.candidate_ids)
                )
            merchant.activity_schedule("mail.mail_activity_data_todo", summary=summary, note=note, user_id=user.id)

    def _fap_raw(self):
        self.ensure_one()
        raw = self.sudo().with_context(bin_size=False).raw_email
        return base64.b64decode(raw) if raw else b""

    def _fap_read(self):
        """Check who sent it and its signature, then read it. Mail to the alias from anyone but a notifying domain
        is « Ignored »; a deposit notice that is trusted goes « To match »; money to claim « To claim »; what
        cannot be trusted « To check »; other notices (requests, reminders, expiries) pay nothing."""
        nameserver = self.env["ir.config_parameter"].sudo().get_param(email_trust.DNS_NAMESERVER_PARAM)
        for transfer in self:
            company = transfer.company_id
            # What the signature check says is read by the company's accountant, as their activities.
            merchant = self.with_context(lang=company._fap_accountant().lang or company.partner_id.lang)
            raw = transfer._fap_raw()
            domains = email_trust.domain_list(company.fap_interac_notifying_domains)
            values = dict.fromkeys(
                ("kind", "lang", "sender_name", "message", "reference", "transfer_date", "parse_error"), False
            )
            if not email_trust.from_notifying_domain(raw, domains):
                values.update(
                    state="ignored", trusted=False, trust_detail=merchant.env._("Not from a notifying domain")
                )
                transfer.sudo().write(values)
                continue
            trusted, how = email_trust.check(
                raw,
                domains,
                email_trust.domain_list(company.fap_interac_forwarders),
                company._fap_interac_addresses(),
                email_trust.make_dnsfunc(nameserver),
                merchant.env._,
            )
            values.update(trusted=trusted, trust_detail=how)
            try:
                parsed = parse_notification(*read_email(raw))
            except NotificationParseError as error:
                values["parse_error"] = str(error)
                parsed = {}
            else:
                values.update(
                    kind=parsed["kind"],
                    lang=parsed["lang"],
                    sender_name=parsed["sender"],
                    message=parsed["message"],
                    reference=parsed["reference"],
                    transfer_date=parsed["date"],
                )
                if parsed["amount"] is not None:
                    currency = (
                        self.env["res.currency"]
                        .with_context(active_test=False)
                        .search([("name", "=", parsed["currency"])], limit=1)
                    )
                    values.update(amount=float(parsed["amount"]), currency_id=(currency or company.currency_id).id)
            kind = parsed.get("kind")
            if not trusted:
                values["state"] = "review"
            elif kind in (TO_CLAIM, REMINDER):
                values["state"] = "to_claim" if not transfer._fap_same_transfer(DEPOSITED, parsed) else "claimed"
            elif kind in (DEPOSITED, None):
                values["state"] = "to_match"
            else:
                values["state"] = "ignored"
            if trusted and kind == DEPOSITED:
                transfer._fap_write_deposit(values)
            else:
                transfer.sudo().write(values)
            if trusted and kind in (DEPOSITED, EXPIRED, CANCELLED):
                # The money waiting to be claimed came in, or went back to the sender.
                waiting = transfer._fap_same_transfer(TO_CLAIM, parsed) | transfer._fap_same_transfer(REMINDER, parsed)
                waiting = waiting.filtered(lambda t: t.state == "to_claim")
                waiting.sudo().write({"state": "claimed" if kind == DEPOSITED else "ignored"})
                waiting.activity_unlink(["mail.mail_activity_data_todo"])

    def _fap_same_transfer(self, kind, parsed):
        """The trusted notices of ``kind`` of the same Interac transfer (its reference), in any company."""
        self.ensure_one()
        if not parsed.get("reference"):
            return self.browse()
        return self.sudo().search(
            [
                ("reference", "=", parsed["reference"]),
                ("kind", "=", kind),
                ("trusted", "=", True),
                ("id", "!=", self.id),
            ]
        )

    def _fap_write_deposit(self, values):
        """A deposit pays once in the whole database: the notice of a transfer already recorded (in any company,
        whatever became of it) is its duplicate. The unique index settles two notices received at once."""
        self.ensure_one()
        original = self._fap_same_transfer(DEPOSITED, values).filtered(lambda t: t.state != "duplicate")[:1]
        if not original:
            try:
                with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                    self.sudo().write(values)
            except psycopg2.errors.UniqueViolation:
                _logger.info("Interac transfer %s recorded at the same moment by another notice", values["reference"])
            else:
                return
        self.sudo().write(dict(values, state="duplicate", duplicate_of_id=original.id))
        self.message_post(
            body=self.env._(
                "Same Interac reference number as %(original)s: this copy registers nothing.",
                original=original._get_html_link() if original else self.reference,
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
        for transfer in self.filtered(lambda t: t.state == "to_match" and t.kind == DEPOSITED and not t.parse_error):
            candidates, method = transfer._fap_candidates()
            transfer.sudo().candidate_ids = candidates
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
        if self.kind != DEPOSITED and not self.parse_error:
            raise UserError(self.env._("Only a deposit notice pays an invoice."))
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
                    "payment_date": self.transfer_date or fields.Date.context_today(self, self.date),
                    "communication": self.env._("Interac e-Transfer %(reference)s", reference=self.reference or ""),
                    # More than due: the rest stays as the customer's credit.
                    "payment_difference_handling": "open",
                }
            )
            ._create_payments()
        )
        self.sudo().write(
            {"state": "matched", "invoice_id": invoice.id, "payment_id": payment.id, "match_method": method}
        )
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
        transfers.activity_unlink(["mail.mail_activity_data_todo"])
        transfers._fap_receive()
        return True

    def action_fap_ignore(self):
        transfers = self.filtered(lambda t: t.state in ("review", "to_match", "to_claim"))
        transfers.sudo().state = "ignored"
        transfers.activity_unlink(["mail.mail_activity_data_todo"])
        return True
