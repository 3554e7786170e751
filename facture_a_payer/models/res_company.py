from urllib.parse import urlsplit

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import email_trust
from ..tools.twilio_api import SmsApiTwilioConfigurable

FAP_CHANNELS = [("both", "Email and SMS"), ("email", "Email only"), ("sms", "SMS only")]


class ResCompany(models.Model):
    _inherit = "res.company"

    fap_auto_invoice = fields.Boolean(
        string="Invoice approved quotes automatically",
        default=True,
        help="When the customer approves a quote on its link, or the merchant approves it or takes its payment in "
        "Facture à payer, the quote is confirmed and its invoice created and posted at once. Off: approving only "
        "confirms the quote, as Odoo's own confirmation always does.",
    )
    # Not required, as res.partner.fap_channel: a company created while the add-on is not loaded has none.
    fap_default_channel = fields.Selection(
        FAP_CHANNELS,
        string="Default channel of new customers",
        default="both",
        help="How « Save and send » reaches a new customer; it can be changed on each customer.",
    )
    fap_short_link_base_url = fields.Char(
        string="Short link address",
        help="Address the SMS short links start with (e.g. https://pay.example.com): it must lead to this "
        "database. Empty: the database's own address.",
    )

    # Reminders (« Relances »).
    fap_reminders = fields.Boolean(
        string="Remind customers automatically",
        default=True,
        help="Quotes not answered and invoices not paid are reminded by email and SMS, following the cadence.",
    )
    fap_reminder_step_ids = fields.One2many("facture_a_payer.reminder.step", "company_id", string="Reminder cadence")
    fap_reminder_hour_from = fields.Float(
        string="Remind from", default=9.0, help="On the customer's clock (their time zone, else the company's)."
    )
    fap_reminder_hour_to = fields.Float(string="Remind until", default=20.0)
    fap_reminder_skip_sunday = fields.Boolean(string="Not on Sundays", default=True)
    fap_reminder_skip_holidays = fields.Boolean(string="Not on Québec's statutory holidays", default=True)

    fap_balance_on_lock = fields.Boolean(
        string="Invoice the balance when the quote is locked",
        help="A quote whose deposit was paid: « Lock » (the work is done) invoices what is left, its deposit "
        "deducted, and sends it. Off: the merchant's « Invoice the balance ».",
    )

    # Partial payments on the invoice page.
    fap_partial_payments = fields.Boolean(
        string="Let customers pay part of an invoice",
        help="The invoice page asks how much to pay, from the minimum below to the amount due; the rest stays due "
        "(reminders and the next payment ask for it).",
    )
    fap_partial_min_amount = fields.Monetary(
        string="Minimum amount", currency_field="currency_id", help="The least a customer may pay at once."
    )
    fap_partial_min_percent = fields.Float(
        string="Minimum share of the amount due (%)", help="The least a customer may pay at once, in percent."
    )

    _fap_partial_min = models.Constraint(
        "CHECK (fap_partial_min_amount >= 0 AND fap_partial_min_percent >= 0 AND fap_partial_min_percent <= 100)",
        "The minimum of a partial payment is an amount of zero or more, and a share between 0 and 100 %.",
    )

    # Interac e-Transfer.
    fap_interac = fields.Boolean(
        string="Offer Interac e-Transfer",
        help="The invoice page, its email and its SMS offer to pay by Interac e-Transfer to your Autodeposit "
        "address; the deposit notifications forwarded to Odoo pay the invoices they name.",
    )
    fap_interac_email = fields.Char(
        string="Autodeposit address",
        help="The email address registered for Autodeposit at your bank: customers send their e-Transfers to it.",
    )
    fap_interac_other_emails = fields.Char(
        string="Other Autodeposit addresses",
        help="Other addresses registered for Autodeposit at your bank whose notifications you forward, separated by "
        "commas. A notification pays only when Interac sent it to one of your Autodeposit addresses.",
    )
    fap_interac_journal_id = fields.Many2one(
        "account.journal",
        string="e-Transfer journal",
        domain="[('type', '=', 'bank'), ('company_id', '=', id)]",
        help="The bank journal e-Transfers are registered in (created when Interac is turned on).",
    )
    fap_interac_alias_id = fields.Many2one(
        "mail.alias", string="Notifications alias", copy=False, help="Where your mailbox forwards the notifications."
    )
    fap_interac_notifying_domains = fields.Char(
        string="Notifying domains",
        default="payments.interac.ca",
        help="A notification counts only when it is signed (DKIM) by one of these domains, separated by commas.",
    )
    fap_interac_forwarders = fields.Char(
        string="Trusted forwarding mailboxes",
        help="Only if your mailbox changes the notifications it forwards (their own signature then no longer "
        "verifies): the domains of the mailbox providers (e.g. google.com) whose ARC seal you trust, separated by "
        "commas. Trusting one means believing what it says it checked: leave empty when forwarding keeps the "
        "notifications intact.",
    )

    _fap_reminder_hours = models.Constraint(
        "CHECK (fap_reminder_hour_from >= 0 AND fap_reminder_hour_from < fap_reminder_hour_to "
        "AND fap_reminder_hour_to <= 24)",
        "Reminders are sent between two hours of the same day, the first one before the second.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self.env["facture_a_payer.reminder.step"].sudo()._fap_create_default_cadence(companies)
        return companies

    def write(self, vals):
        res = super().write(vals)
        if "fap_reminders" in vals:
            self._fap_reschedule_reminders()
        if vals.get("fap_interac"):
            self._fap_interac_setup()
        return res

    def _fap_accountant(self):
        """The company's first accountant (Accounting › Administrator), who is asked to see to what the app could
        not settle alone; an empty recordset when it has none."""
        self.ensure_one()
        return (
            self.env.ref("account.group_account_manager")
            .sudo()
            .all_user_ids.filtered(
                lambda user: not user.share and user.id != SUPERUSER_ID and self in user.company_ids
            )[:1]
        )

    def _fap_tax_numbers(self):
        """The company's sales tax registration numbers, as its invoices, invoice pages and receipts show them:
        ``[(label, number)]`` in the current language. In Canada, Odoo's ``vat`` is the GST/HST number and, with
        ``l10n_ca``, ``l10n_ca_pst`` the QST number in Québec (another province's PST elsewhere). Québec asks
        both on invoices of $30 and more (what the customer needs to claim input tax credits)."""
        self.ensure_one()
        canadian = "CA" in (self.account_fiscal_country_id.code, self.country_id.code)
        numbers = []
        if self.vat:
            label = (
                self.env._("GST/HST no.")
                if canadian
                else self.account_fiscal_country_id.vat_label or self.env._("Tax ID")
            )
            numbers.append((label, self.vat))
        provincial = "l10n_ca_pst" in self._fields and self.l10n_ca_pst
        if provincial:
            label = self.env._("QST no.") if self.state_id.code == "QC" else self.env._("PST no.")
            numbers.append((label, provincial))
        return numbers

    def _fap_tax_numbers_text(self):
        """The registration numbers on one line (« No de TPS/TVH : … · No de TVQ : … »), or an empty string."""
        return " · ".join(
            self.env._("%(label)s: %(number)s", label=label, number=number) for label, number in self._fap_tax_numbers()
        )

    def _fap_interac_addresses(self):
        """The company's Autodeposit addresses, normalized: Interac's notifications must be sent to one."""
        self.ensure_one()
        return email_trust.address_list(f"{self.fap_interac_email or ''},{self.fap_interac_other_emails or ''}")

    def _fap_interac_setup(self):
        """The e-Transfer journal and the alias receiving the notifications, for the companies that have none."""
        alias_model = self.env["ir.model"]._get_id("facture_a_payer.interac.transfer")
        for company in self:
            if not company.fap_interac_journal_id:
                journal = self.env["account.journal"].search(
                    [("company_id", "=", company.id), ("type", "=", "bank"), ("code", "=", "ITRC")], limit=1
                ) or self.env["account.journal"].create(
                    {
                        # Named in the merchant's language: the journal is read in every language.
                        "name": company.with_context(lang=company.partner_id.lang).env._("Interac e-Transfers"),
                        "type": "bank",
                        "code": "ITRC",
                        "company_id": company.id,
                    }
                )
                company.fap_interac_journal_id = journal
            if not company.fap_interac_alias_id:
                domain = company.alias_domain_id
                taken = (
                    self.env["mail.alias"]
                    .sudo()
                    .search_count([("alias_name", "=", "interac"), ("alias_domain_id", "=", domain.id)])
                )
                company.fap_interac_alias_id = (
                    self.env["mail.alias"]
                    .sudo()
                    .create(
                        {
                            "alias_name": f"interac-{company.id}" if taken else "interac",
                            "alias_model_id": alias_model,
                            "alias_defaults": repr({"company_id": company.id}),
                            "alias_contact": "everyone",
                            "alias_domain_id": domain.id,
                            # Without an alias domain the gateway routes by the address's local part.
                            "alias_incoming_local": not domain,
                        }
                    )
                )

    def _fap_reschedule_reminders(self):
        """Plan again the next reminder of the companies' open documents (the cadence or the setting changed)."""
        if self:
            self.env["facture_a_payer.reminder"]._fap_reschedule([("company_id", "in", self.ids)])

    @api.constrains("fap_short_link_base_url")
    def _check_fap_short_link_base_url(self):
        for company in self.filtered("fap_short_link_base_url"):
            url = urlsplit(company.fap_short_link_base_url)
            if url.scheme not in ("http", "https") or not url.netloc or url.query or url.fragment:
                raise ValidationError(
                    self.env._(
                        "The short link address « %(url)s » must be a web address such as https://pay.example.com.",
                        url=company.fap_short_link_base_url,
                    )
                )

    def _get_sms_api_class(self):
        if self.sms_provider == "twilio":
            return SmsApiTwilioConfigurable
        return super()._get_sms_api_class()
