from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, format_date

FAP_STATUS = [
    ("draft", "Draft"),
    ("sent", "Sent"),
    ("approved", "Approved"),
    ("declined", "Declined"),
    ("partial", "Partly paid"),
    ("paid", "Paid"),
    ("overdue", "Overdue"),
    ("cancel", "Cancelled"),
]


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "facture_a_payer.document"]

    # Sending: the hooks of facture_a_payer.document.
    def _fap_check_sendable(self):
        if self.state == "cancel":
            raise UserError(
                self.env._(
                    "The quote %(name)s is cancelled: it cannot be sent. Set it back to quotation first.",
                    name=self.name,
                )
            )

    def _fap_get_templates(self):
        return (
            self.env.ref("facture_a_payer.mail_template_fap_quote"),
            self.env.ref("facture_a_payer.sms_template_fap_quote"),
        )

    def _fap_prepare_send(self):
        # « Envoyée » in the button's answer: its email and SMS leave right after, from the sending cron.
        self._fap_mark_sent()

    def _fap_mark_sent(self):
        if self.state == "draft":
            self.state = "sent"

    def _fap_in_flow(self):
        return super()._fap_in_flow() or self.fap_approved

    # Reminders: the hooks of facture_a_payer.document.
    fap_reminder_ids = fields.One2many("facture_a_payer.reminder", "order_id", string="Reminders sent")

    def _fap_document_type(self):
        return "quote"

    def _fap_reminder_open(self, today):
        # Approved, declined, cancelled or expired: nothing to remind any more.
        return (
            self.state == "sent" and not self.fap_declined and (not self.validity_date or self.validity_date >= today)
        )

    def _fap_reminder_candidates_domain(self):
        return [("state", "=", "sent")]

    def _fap_reminder_last_day(self):
        return self.validity_date or False

    def _fap_sent_at_fallback(self):
        # A quote still « sent » (the candidates' domain): its date stands for its sending.
        return self.date_order if self.state == "sent" else False

    def _fap_reminder_summary_one(self, amount):
        if self.validity_date:
            return self.env._(
                "quote %(name)s, %(amount)s, awaiting your answer by %(date)s",
                name=self.name,
                amount=amount,
                date=format_date(self.env, self.validity_date),
            )
        return self.env._("quote %(name)s, %(amount)s, awaiting your answer", name=self.name, amount=amount)

    def _fap_posted_invoices(self):
        """The posted customer invoices of the orders: what their customers are asked to pay."""
        return self.invoice_ids.filtered(lambda move: move.move_type == "out_invoice" and move.state == "posted")

    # Written when the customer declines on the portal; the merchant's screens show the quote as « Refusée ».
    fap_declined = fields.Boolean(string="Declined", copy=False, tracking=True)
    fap_declined_reason = fields.Text(string="Reason for declining", copy=False)
    # Odoo's states do not map one to one to the merchant's badges (paid and overdue live on the
    # invoices, declined is ours): computed, not stored (overdue depends on today), searchable.
    fap_status = fields.Selection(
        FAP_STATUS, string="Quote status", compute="_compute_fap_status", search="_search_fap_status"
    )

    @api.depends("state", "fap_declined", "invoice_ids.fap_status", "fap_balance_to_invoice")
    def _compute_fap_status(self):
        for order in self:
            invoices = order._fap_posted_invoices()
            if order.fap_declined:
                order.fap_status = "declined"
            elif (
                order.state == "sale"
                and invoices
                and all(move.fap_status == "paid" for move in invoices)
                and not order.fap_balance_to_invoice
            ):
                order.fap_status = "paid"
            elif order.state == "sale" and any(move.fap_status == "overdue" for move in invoices):
                order.fap_status = "overdue"
            elif order.state == "sale":
                order.fap_status = "approved"
            else:
                order.fap_status = order.state

    def _search_fap_status(self, operator, value):
        if operator not in ("in", "="):
            return NotImplemented
        statuses = [value] if isinstance(value, str) else list(value)
        not_declined = [("fap_declined", "=", False)]
        invoiced = [("state", "=", "sale"), *not_declined]
        domains = {
            "draft": [("state", "=", "draft"), *not_declined],
            "sent": [("state", "=", "sent"), *not_declined],
            "cancel": [("state", "=", "cancel"), *not_declined],
            "declined": [("fap_declined", "=", True)],
            # Paid, and more than its deposit invoiced.
            "paid": [
                *invoiced,
                ("order_line.invoice_lines.move_id.fap_status", "=", "paid"),
                ("order_line", "any", [("is_downpayment", "=", False), ("invoice_lines.move_id.state", "=", "posted")]),
            ],
            "overdue": [*invoiced, ("order_line.invoice_lines.move_id.fap_status", "=", "overdue")],
            "approved": [*invoiced, "!", ("order_line.invoice_lines.move_id.fap_status", "in", ["paid", "overdue"])],
        }
        return Domain.OR(Domain(domains[status]) for status in statuses if status in domains)

    # Our approvals: the customer's « Approuver » on the link, the merchant's « Approuver pour le client » and
    # « Payer ». Odoo's own confirmation (`action_confirm`, from any module) is left as it is.
    fap_approved = fields.Boolean(
        string="Approved in Facture à payer",
        copy=False,
        readonly=True,
        help="Confirmed by the customer's approval on the link, or by the merchant's approval or « Pay ».",
    )

    def _fap_confirm_and_invoice(self):
        """Approve the quotes in ``self``: confirm them and, when their company invoices approved quotes
        automatically, create and post their invoice. Return the posted customer invoices.

        Idempotent: an order that already has an invoice (ours, or the one Odoo's automatic invoicing made after
        an online payment) gets no second one.
        """
        self.filtered(lambda order: order.state in ("draft", "sent")).action_confirm()
        approved = self.filtered(lambda order: order.state == "sale")
        approved.filtered(lambda order: not order.fap_approved).write({"fap_flow": True, "fap_approved": True})
        approved.filtered("company_id.fap_auto_invoice")._fap_invoice_confirmed()
        return self._fap_posted_invoices()

    def _get_report_base_filename(self):
        # The PDF of a quote of the app is a « Soumission » (Odoo's French says « Devis »).
        if self.fap_flow and self.state in ("draft", "sent"):
            return self.env._("Quote %s", self.name)
        return super()._get_report_base_filename()

    def _fap_salesperson(self):
        return self.user_id or self.create_uid

    def _creation_message(self):
        # Odoo's « Sales Order created » is written in the language of whoever creates the quote: the app's quotes
        # say it in the merchant's (the note is the merchant's to read), in the app's word.
        if self.fap_flow:
            return self._fap_merchant().env._("Quote created")
        return super()._creation_message()

    def _fap_post_customer_note(self, body):
        """A note of the customer's answer on the quote, for its salesperson (``body`` in the merchant's language,
        see ``_fap_merchant``)."""
        self.ensure_one()
        user = self.env.user
        self.message_post(
            author_id=self.partner_id.id if user._is_public() else user.partner_id.id,
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.user_id.partner_id.ids,
        )

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        # Odoo's « Quotation viewed by customer » note (once a day per browser) stays in the chatter of the app's
        # quotes, but tells no follower: a view needs nothing from the merchant, the customer's answer does.
        subtype_id = msg_vals["subtype_id"] if msg_vals and "subtype_id" in msg_vals else message.subtype_id.id
        if (
            len(self) == 1
            and subtype_id
            and subtype_id == self.env["ir.model.data"]._xmlid_to_res_id("sale.mt_order_viewed")
            and self._fap_in_flow()
        ):
            return []
        return super()._notify_get_recipients(message, msg_vals=msg_vals, **kwargs)

    def _send_order_notification_mail(self, mail_template, *args, **kwargs):
        # The app tells its customer each step with its own messages (the quote's email and SMS, the invoice's page,
        # the receipt): Odoo's « Your order … has been confirmed » would be a second message for the approval, in
        # Odoo's words. Outside the app (or with Odoo's other emails), Odoo's behaviour.
        if mail_template and self._fap_in_flow() and mail_template == self._get_confirmation_template():
            return None
        return super()._send_order_notification_mail(mail_template, *args, **kwargs)

    @api.model
    def _fap_cron_send_pending_emails(self):
        """Send the confirmation emails the app deferred before it stopped sending them (they are dropped above)."""
        orders = self.search([("fap_flow", "=", True), ("pending_email_template_id", "!=", False)])
        if orders:
            # A run that fails (the customer's record updated by their next request at the same moment) is run
            # again a minute later rather than tomorrow: committed with the progress below, before any sending.
            cron = self.env.ref("facture_a_payer.ir_cron_fap_pending_emails")
            cron._trigger(fields.Datetime.now() + timedelta(minutes=1))
        self.env["ir.cron"]._commit_progress(remaining=len(orders))
        for order in orders:
            # In the customer's language, as when Odoo sends it during their request (the PDF's name too).
            order = order.with_context(lang=order.partner_id.lang or order.env.lang)
            order._send_order_notification_mail(order.pending_email_template_id, allow_deferred_sending=False)
            order.pending_email_template_id = False
            if not self.env["ir.cron"]._commit_progress(processed=1):
                break

    def _fap_invoice_confirmed(self):
        """Create and post the invoice of the confirmed orders in ``self`` that have none."""
        if not self:
            return
        # Lock the orders so that an approval and a payment webhook racing on the same quote serialize: the
        # second one sees the first one's invoice (or is retried by Odoo on serialization failure).
        self.env.cr.execute(SQL("SELECT id FROM sale_order WHERE id = ANY(%s) FOR UPDATE", self.ids))
        to_invoice = self.filtered(lambda order: not order.invoice_ids.filtered(lambda m: m.state != "cancel"))
        if not to_invoice:
            return
        # Services invoiced on delivered quantities would leave nothing to invoice: the approved quote is what
        # is billed (what Odoo does for an order paid online).
        to_invoice._force_lines_to_invoice_policy_order()
        # One invoice per approved quote, even when several of one customer are approved together.
        # The salesperson is not told « You have been assigned to … » a draft invoice made for them: the customer's
        # approval is what they hear of (Odoo's context key for assignments made by automation).
        invoices = to_invoice.with_context(
            raise_if_nothing_to_invoice=False, mail_auto_subscribe_no_notify=True
        )._create_invoices(grouped=True, final=True)
        invoices = invoices.with_env(self.env)
        invoices.fap_flow = True
        # Dated on the merchant's day, whoever approves (the customer at 20 h in Montréal is already tomorrow in UTC).
        merchant = to_invoice[:1]._fap_salesperson()
        invoices.with_context(
            tz=merchant.tz or to_invoice[:1].company_id.partner_id.tz or self.env.context.get("tz")
        ).action_post()
        for invoice in invoices:
            invoice._portal_ensure_token()
        # The customer has its link (the approval leads to it): it is reminded until paid, as a sent invoice.
        invoices.fap_sent_at = fields.Datetime.now()
        invoices._fap_schedule_reminders()

    # Deposit (« acompte »): Odoo's « Online payment » of a quote (`require_payment`, `prepayment_percent`), or a
    # fixed amount.
    fap_deposit_fixed = fields.Monetary(
        string="Fixed deposit",
        currency_field="currency_id",
        copy=False,
        help="The deposit as an amount rather than a percentage of the total.",
    )

    _fap_deposit_fixed_positive = models.Constraint(
        "CHECK (fap_deposit_fixed IS NULL OR fap_deposit_fixed >= 0)", "A deposit cannot be negative."
    )

    @api.onchange("fap_deposit_fixed", "amount_total")
    def _onchange_fap_deposit_fixed(self):
        # Odoo's payment dialog shows the share of the total next to the amount.
        if self.fap_deposit_fixed and self.amount_total:
            self.prepayment_percent = min(1.0, self.fap_deposit_fixed / self.amount_total)

    def _get_prepayment_required_amount(self):
        if self.require_payment and self.fap_deposit_fixed:
            return self.currency_id.round(min(self.fap_deposit_fixed, self.amount_total))
        return super()._get_prepayment_required_amount()

    def _fap_deposit_amount(self):
        """The deposit the customer pays when approving (Odoo's prepayment), or 0 when the quote asks none."""
        self.ensure_one()
        deposit = self._get_prepayment_required_amount()
        return deposit if self.currency_id.compare_amounts(deposit, self.amount_total) < 0 else 0.0

    def _fap_invoice_deposit(self):
        """Odoo's down payment invoice of what the customer paid on the approved quotes; the balance is invoiced
        later (« Facturer le solde »). Returns the posted invoices."""
        # The quote as ordered is what the balance bills (what Odoo does for an order paid online).
        self._force_lines_to_invoice_policy_order()
        invoices = (
            self.with_context(mail_auto_subscribe_no_notify=True)._generate_downpayment_invoices().with_env(self.env)
        )
        invoices.fap_flow = True
        invoices.action_post()
        for invoice in invoices:
            invoice._portal_ensure_token()
        return invoices

    def _fap_deposit_invoices(self):
        return self._fap_posted_invoices().filtered(
            lambda move: move.invoice_line_ids and all(move.invoice_line_ids.sale_line_ids.mapped("is_downpayment"))
        )

    fap_balance_to_invoice = fields.Boolean(
        string="Balance to invoice", compute="_compute_fap_balance_to_invoice", help="Its deposit only is invoiced."
    )

    @api.depends("state", "invoice_ids.state", "order_line.is_downpayment")
    def _compute_fap_balance_to_invoice(self):
        for order in self:
            deposits = order._fap_deposit_invoices()
            order.fap_balance_to_invoice = bool(
                order.state == "sale"
                and deposits
                and not order.invoice_ids.filtered(lambda move: move.state != "cancel") - deposits
            )

    # What the merchant's details say of the deposit: asked before approval, paid and the balance after it.
    fap_deposit_asked = fields.Char(string="Deposit asked", compute="_compute_fap_deposit_view")
    fap_deposit_paid = fields.Monetary(string="Deposit paid", compute="_compute_fap_deposit_view")
    fap_balance_amount = fields.Monetary(string="Balance", compute="_compute_fap_deposit_view")
    fap_line_ids = fields.Many2many(
        "sale.order.line", string="Products and services", compute="_compute_fap_deposit_view"
    )

    @api.depends(
        "state", "require_payment", "prepayment_percent", "fap_deposit_fixed", "amount_total", "order_line",
        "invoice_ids.state", "invoice_ids.amount_residual",
    )  # fmt: skip
    def _compute_fap_deposit_view(self):
        for order in self:
            # The quote's lines without Odoo's down payment section and lines (« 0,00 × Acomptes »).
            order.fap_line_ids = order.order_line.filtered(lambda line: not line.is_downpayment)
            deposit = order._fap_deposit_amount() if order.state in ("draft", "sent") else 0.0
            order.fap_deposit_asked = order._fap_deposit_sentence(deposit) if deposit else False
            deposits = order._fap_deposit_invoices() if order.state == "sale" else order.invoice_ids.browse()
            order.fap_deposit_paid = sum(move.amount_total - move.amount_residual for move in deposits)
            order.fap_balance_amount = order.amount_total - sum(deposits.mapped("amount_total")) if deposits else 0.0

    def _fap_deposit_sentence(self, deposit):
        amount = self.currency_id.format(deposit)
        if self.fap_deposit_fixed:
            return self.env._("A deposit of %(amount)s is asked at approval.", amount=amount)
        return self.env._(
            "A %(percent)s%% deposit is asked at approval: %(amount)s.", percent=self._fap_percent(), amount=amount
        )

    def _fap_percent(self, before_sign=False):
        """The deposit's share as people write it: « 30 », « 12,5 » in French (not Odoo's raw « 30.0 »).
        ``before_sign``: followed by the space French puts before « % » (the customer's page writes the sign)."""
        self.ensure_one()
        point = self.env["res.lang"]._get_data(code=self.env.lang).decimal_point or "."
        percent = f"{self.prepayment_percent * 100:.2f}".rstrip("0").rstrip(".").replace(".", point)
        return percent + "\u00a0" if before_sign and (self.env.lang or "").startswith("fr") else percent

    @api.depends("fap_flow")
    @api.depends_context("lang")
    def _compute_display_name(self):  # pylint: disable=missing-return
        """A quote being written on the app's screens is « Nouvelle soumission » (the page's title), not Odoo's
        « Nouveau » (the name a quote has until it is saved)."""
        super()._compute_display_name()
        for order in self:
            if order.fap_flow and not order._origin.id:
                order.display_name = self.env._("New quote")

    def action_fap_invoice_balance(self):
        """« Facturer le solde »: the final invoice of the approved quote, its deposit deducted, sent with its link
        and reminded like any invoice."""
        self.ensure_one()
        if not self.fap_balance_to_invoice:
            raise UserError(self.env._("This quote has no balance left to invoice."))
        invoice = self.with_context(mail_auto_subscribe_no_notify=True)._create_invoices(final=True).with_env(self.env)
        invoice.fap_flow = True
        invoice.action_post()
        invoice.action_fap_save_and_send()
        return invoice.action_fap_open()

    def action_lock(self):
        # « Verrouiller » (the work is done): the balance goes out by itself when the company says so.
        res = super().action_lock()
        for order in self.filtered(lambda order: order.fap_balance_to_invoice and order.company_id.fap_balance_on_lock):
            order.action_fap_invoice_balance()
        return res

    @api.autovacuum
    def _gc_fap_empty_quotes(self):
        """Delete the app's new quotes left empty for a day (« + » then nothing added): a draft of the app, without
        a line, never sent."""
        self.with_context(active_test=False).search(
            [
                ("fap_flow", "=", True),
                ("state", "=", "draft"),
                ("order_line", "=", False),
                ("fap_sent_at", "=", False),
                ("create_date", "<", fields.Datetime.subtract(fields.Datetime.now(), days=1)),
            ]
        ).unlink()

    def _fap_can_be_approved(self):
        """Whether the customer may approve the quote now: open, not expired, signed when a signature is due."""
        self.ensure_one()
        # A quote asking a deposit is approved by paying it.
        return (
            self.state in ("draft", "sent")
            and not self.is_expired
            and not self._has_to_be_signed()
            and not self._fap_deposit_amount()
        )

    def _fap_decline(self, reason=None):
        """Record the customer's refusal and its optional reason in the chatter; notify the salesperson."""
        self.ensure_one()
        self._action_cancel()
        self.write({"fap_declined": True, "fap_declined_reason": reason or False})
        merchant = self._fap_merchant()
        if reason:
            body = merchant.env._("The customer declined the quote: %(reason)s", reason=reason)
        else:
            body = merchant.env._("The customer declined the quote.")
        self.with_user(SUPERUSER_ID).message_post(
            author_id=self.partner_id.id,
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.user_id.partner_id.ids,
        )

    def _fap_portal_closed_reason(self):
        """Why the customer's link shows no quote any more: ``declined``, ``cancel``, ``expired`` or ``False``."""
        self.ensure_one()
        if self.fap_declined:
            return "declined"
        if self.state == "cancel":
            return "cancel"
        if self.state in ("draft", "sent") and self.is_expired:
            return "expired"
        return False

    def _fap_portal_invoice(self):
        """The invoice an approved quote's links lead to (posted: a draft one is not the customer's yet): the first
        one still to pay, else the last one. After a deposit, that is the balance once it is invoiced, else the
        deposit's page, which shows the quote's total, the deposit paid and the balance."""
        self.ensure_one()
        invoices = self._fap_posted_invoices().sorted("id")
        return invoices.filtered(lambda move: move.payment_state in ("not_paid", "partial"))[:1] or invoices[-1:]

    # The merchant's screens: each step of the phone flow is its own form view of the quote, opened by a window
    # action with a path (/odoo/fap-quote/<id>...), so that a reload or a shared link shows the same screen.
    def _fap_open_view(self, action_xmlid):
        action = self.env["ir.actions.act_window"]._for_xml_id(action_xmlid)
        action.update(res_id=self.id, target="current")
        return action

    def action_fap_open(self):
        """A tap on a quote's card: a draft opens for editing, anything else on its details."""
        self.ensure_one()
        if self.state == "draft" and not self.fap_declined:
            return self.action_fap_edit()
        return self.action_fap_details()

    def action_fap_edit(self):
        self.ensure_one()
        return self._fap_open_view("facture_a_payer.sale_order_action_fap_edit")

    def action_fap_new_product(self):
        """« + »: a new product or service for the catalogue, put on this quote once saved."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New product or service"),
            "res_model": "product.product",
            "views": [(self.env.ref("facture_a_payer.product_product_view_form_fap_quick").id, "form")],
            "target": "new",
            # A service without a price until the merchant types it (Odoo's default price is 1.00).
            "context": {
                "fap_order_id": self.id,
                "default_sale_ok": True,
                "default_fap_kind": "service",
                "default_type": "service",
                "default_list_price": 0.0,
            },
        }

    def action_fap_preview(self):
        """« Visualiser »: the customer's page, in a new tab so the merchant keeps the quote."""
        self.ensure_one()
        return {"type": "ir.actions.act_url", "target": "new", "url": self.get_portal_url()}

    def action_fap_preview_pdf(self):
        """« Visualiser » the PDF the customer will download."""
        self.ensure_one()
        return {"type": "ir.actions.act_url", "target": "new", "url": self.get_portal_url(report_type="pdf")}

    def action_fap_review(self):
        """« Montant total »: the summary as the customer will see it."""
        self.ensure_one()
        return self._fap_open_view("facture_a_payer.sale_order_action_fap_review")

    def action_fap_details(self):
        """« Sauvegarder »: the quote is saved (object buttons save first); show its details."""
        self.ensure_one()
        return self._fap_open_view("facture_a_payer.sale_order_action_fap_details")

    def action_fap_send_and_details(self):
        """« Enregistrer et envoyer » from the review screen, then « Détails de la soumission »."""
        self.ensure_one()
        sent = self.action_fap_save_and_send()
        details = self.action_fap_details()
        # Keep the sending's notice (« sent by email and SMS »), then show the details.
        if sent.get("tag") == "display_notification":
            return {**sent, "params": {**sent["params"], "next": details}}
        return details

    def _get_action_add_from_catalog_extra_context(self):
        # The app's catalogue saves each tap before going back to the quote (static/src/merchant/catalog_save.js).
        return {**super()._get_action_add_from_catalog_extra_context(), "fap_catalog": self.fap_flow}

    def action_fap_close(self):
        """The ✕ of the details: back to « Accueil », without a trail of breadcrumbs."""
        return self.env["facture_a_payer.home"].action_fap_home()

    @api.model
    def action_fap_new(self):
        """The « + » of « Accueil »: a new quote on the app's form."""
        return {
            **self._fap_open_view("facture_a_payer.sale_order_action_fap_edit"),
            "context": {"default_fap_flow": True},
        }

    def action_fap_approve(self):
        """The merchant approves on the customer's behalf: confirmed and, with automatic invoicing, invoiced."""
        self.ensure_one()
        self._fap_confirm_and_invoice()
        return self._fap_open_invoice()

    def _fap_open_invoice(self):
        invoice = self._fap_portal_invoice()
        if not invoice:
            return self.action_fap_details()
        return invoice.action_fap_open()

    def action_fap_pay_now(self):
        """« Payer »: the customer in front of the merchant pays the invoice on their phone.

        Paying is approving: the quote is confirmed and invoiced, and the invoice's link is shown as a QR code.
        """
        self.ensure_one()
        if not self.company_id.fap_auto_invoice and not self._fap_portal_invoice():
            raise UserError(
                self.env._(
                    "The quote %(name)s has no invoice to pay, and approved quotes are not invoiced automatically "
                    "(Settings › Facture à payer): create its invoice, then « Pay » from the invoice.",
                    name=self.name,
                )
            )
        self._fap_confirm_and_invoice()
        # After a deposit, the balance (or, not invoiced yet, the deposit's page, which shows it).
        invoice = self._fap_portal_invoice()
        if not invoice:
            raise UserError(self.env._("The quote %(name)s has no invoice to pay.", name=self.name))
        return invoice.action_fap_pay_now()
