from datetime import timedelta

from odoo import api, fields, models

# The date of the document a step's days count from, and in which direction (see ``_date_for``).
ANCHORS = [
    ("after_sent", "Days after sending"),
    ("before_expiry", "Days before the quote expires"),
    ("before_due", "Days before the due date"),
    ("after_due", "Days after the due date"),
]
ANCHORS_BY_TYPE = {"quote": ("after_sent", "before_expiry"), "invoice": ("before_due", "after_due")}


class FactureAPayerReminderStep(models.Model):
    """One step of a company's reminder cadence: when, counted from a date of the document, and by which
    channels and templates the customer is reminded."""

    _name = "facture_a_payer.reminder.step"
    _description = "Reminder step"
    _order = "document_type desc, sequence, id"

    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    enabled = fields.Boolean(string="On", default=True, help="Off: this step sends nothing; the others go on.")
    document_type = fields.Selection(
        [("quote", "Quote not answered"), ("invoice", "Invoice not paid")], string="Document", required=True
    )
    anchor = fields.Selection(ANCHORS, string="When", required=True)
    days = fields.Integer(required=True, default=0)
    send_email = fields.Boolean(string="Email", default=True)
    send_sms = fields.Boolean(string="SMS", default=True)
    mail_template_id = fields.Many2one(
        "mail.template", string="Email template", domain="[('model', '=', res_model)]", ondelete="restrict"
    )
    sms_template_id = fields.Many2one(
        "sms.template", string="SMS template", domain="[('model', '=', res_model)]", ondelete="restrict"
    )
    res_model = fields.Char(string="Document model", compute="_compute_res_model")

    _days_positive = models.Constraint("CHECK (days >= 0)", "A reminder step counts zero or more days.")
    _anchor_fits = models.Constraint(
        "CHECK ((document_type = 'quote' AND anchor IN ('after_sent', 'before_expiry')) OR "
        "(document_type = 'invoice' AND anchor IN ('before_due', 'after_due')))",
        "A quote is reminded after sending or before it expires; an invoice before or after its due date.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        steps = super().create(vals_list)
        steps.company_id._fap_reschedule_reminders()
        return steps

    def write(self, vals):
        res = super().write(vals)
        self.company_id._fap_reschedule_reminders()
        return res

    def unlink(self):
        companies = self.company_id
        res = super().unlink()
        companies._fap_reschedule_reminders()
        return res

    @api.depends("document_type")
    def _compute_res_model(self):
        for step in self:
            step.res_model = "sale.order" if step.document_type == "quote" else "account.move"

    @api.depends("anchor", "days")
    @api.depends_context("lang")
    def _compute_display_name(self):
        labels = {
            "after_sent": self.env._("%(days)s days after sending"),
            "before_expiry": self.env._("%(days)s days before expiry"),
            "before_due": self.env._("%(days)s days before the due date"),
            "after_due": self.env._("%(days)s days after the due date"),
        }
        for step in self:
            if step.anchor == "after_due" and not step.days:
                step.display_name = self.env._("On the due date")
            else:
                label = labels.get(step.anchor)
                step.display_name = label % {"days": step.days} if label else ""

    @api.onchange("document_type")
    def _onchange_document_type(self):
        if self.anchor not in ANCHORS_BY_TYPE.get(self.document_type, ()):
            self.anchor = ANCHORS_BY_TYPE.get(self.document_type, (False,))[0]
        self.mail_template_id, self.sms_template_id = self._default_templates(self.document_type)

    def _default_templates(self, document_type):
        xmlid = "facture_a_payer.%s_template_fap_reminder_" + document_type
        return (
            self.env.ref(xmlid % "mail", raise_if_not_found=False) or self.env["mail.template"],
            self.env.ref(xmlid % "sms", raise_if_not_found=False) or self.env["sms.template"],
        )

    def _date_for(self, document):
        """The day this step reminds ``document`` (``None`` when the document lacks the date it counts from)."""
        self.ensure_one()
        if self.anchor == "after_sent":
            base, sign = document.fap_sent_at and document.fap_sent_at.date(), 1
        elif self.anchor == "before_expiry":
            base, sign = document.validity_date, -1
        else:
            base, sign = document.invoice_date_due, -1 if self.anchor == "before_due" else 1
        return base and base + timedelta(days=sign * self.days) or None

    @api.model
    def _fap_default_cadence(self):
        """The cadence a company starts with: quotes 3 days after sending and 2 days before they expire;
        invoices 3 days before the due date, on it, then 7 and 14 days late."""
        return [
            ("quote", "after_sent", 3),
            ("quote", "before_expiry", 2),
            ("invoice", "before_due", 3),
            ("invoice", "after_due", 0),
            ("invoice", "after_due", 7),
            ("invoice", "after_due", 14),
        ]

    @api.model
    def _fap_create_default_cadence(self, companies):
        """Give each of ``companies`` that has no step yet the default cadence."""
        if not self._default_templates("invoice")[0]:
            return self  # the add-on is being installed: its data gives the companies their cadence
        have = self.search([("company_id", "in", companies.ids)]).company_id
        values = []
        for company in companies - have:
            for sequence, (document_type, anchor, days) in enumerate(self._fap_default_cadence()):
                mail_template, sms_template = self._default_templates(document_type)
                values.append(
                    {
                        "company_id": company.id,
                        "sequence": sequence,
                        "document_type": document_type,
                        "anchor": anchor,
                        "days": days,
                        "mail_template_id": mail_template.id,
                        "sms_template_id": sms_template.id,
                    }
                )
        return self.create(values)

    @api.model
    def _fap_create_default_cadence_all(self):
        """At install: every company starts with the default cadence."""
        self._fap_create_default_cadence(self.env["res.company"].search([]))
