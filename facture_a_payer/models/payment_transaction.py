import logging

from markupsafe import Markup

from odoo import SUPERUSER_ID, fields, models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    fap_duplicate = fields.Boolean(
        string="Duplicate payment",
        readonly=True,
        copy=False,
        help="A payment of invoices that were already paid (two payment pages paid at once): refunded automatically.",
    )

    def _check_amount_and_confirm_order(self):
        # A quote of the app confirmed by its payment is approved and invoiced at once, whatever Odoo's automatic
        # invoicing says, so that the payment is reconciled with the invoice (and its receipt sent): paid with its
        # deposit, Odoo's down payment invoice of it (its taxes as Odoo computes them); paid in full (« Full
        # amount » in Odoo's dialog), the quote's invoice, as an approval makes it.
        confirmed = super()._check_amount_and_confirm_order()
        for tx in self.filtered(lambda tx: tx.state == "done"):
            orders = (confirmed & tx.sale_order_ids).filtered(lambda order: order._fap_in_flow())
            if not orders:
                continue
            orders.fap_approved = True
            paid_in_full = orders.filtered(lambda order: order._is_paid())
            invoices = (orders - paid_in_full)._fap_invoice_deposit()
            paid_in_full._fap_invoice_confirmed()
            tx.invoice_ids = invoices | paid_in_full._fap_posted_invoices()
        return confirmed

    def _invoice_sale_orders(self):
        # A deposit the app invoiced already (above) is not invoiced again by Odoo's automatic invoicing.
        deposits = self.filtered(lambda tx: tx.invoice_ids and tx.sale_order_ids.filtered("fap_approved"))
        self -= deposits
        # Odoo's automatic invoicing (`sale.automatic_invoice`) finds nothing left to invoice on an order our
        # approval already invoiced and then links the transaction to no invoice at all: link it to the order's
        # open invoice instead, so that the payment is reconciled with it. Only for orders of our approvals: an
        # order invoiced by hand elsewhere in Odoo keeps Odoo's behaviour.
        res = super()._invoice_sale_orders()
        for tx in self.filtered(lambda tx: tx.sale_order_ids and not tx.invoice_ids):
            tx.invoice_ids = tx.sale_order_ids.filtered("fap_approved").invoice_ids.filtered(
                lambda move: (
                    move.move_type == "out_invoice"
                    and move.state == "posted"
                    and move.payment_state in ("not_paid", "partial")
                )
            )
        return res

    # === Money taken once: a second payment of a paid invoice is refunded === #

    # Odoo's returns nothing, and super is called once per record here.
    def _post_process(self):  # pylint: disable=missing-return
        # One at a time: a payment is a duplicate when those post-processed before it already paid its invoices.
        for tx in self:
            duplicate = tx._fap_is_duplicate_payment()
            if duplicate:
                tx.fap_duplicate = True
            super(PaymentTransaction, tx)._post_process()
            if duplicate:
                tx._fap_refund_duplicate()
            elif tx.state == "done" and tx.operation in ("online_redirect", "online_direct", "online_token"):
                tx._fap_after_partial_payment()
            elif tx.operation == "refund" and tx.state == "done" and tx.source_transaction_id.fap_duplicate:
                tx._fap_reconcile_duplicate_refund()

    def _fap_merchant_document(self):
        """The app's invoice (else quote) the payment (or the refunded payment) is for, empty when it pays nothing of
        the app's."""
        self.ensure_one()
        tx = self.source_transaction_id if self.operation == "refund" else self
        return tx.invoice_ids.filtered("fap_flow")[:1] or tx.sale_order_ids.filtered("fap_flow")[:1]

    def _get_sent_message(self):
        # Odoo's note on the documents (« The transaction … has been initiated. ») is written in the language of
        # whoever's request made the payment, and Odoo's French leaves it untranslated: on the app's documents, the
        # merchant's language (``_fap_merchant``), in the app's words.
        document = self._fap_merchant_document()
        if not document or self.operation not in ("online_redirect", "online_direct", "online_token", "offline"):
            return super()._get_sent_message()
        merchant_env = document._fap_merchant().env
        tx = self.with_env(merchant_env)
        return merchant_env._(
            "The payment %(ref)s of %(amount)s has been initiated.",
            ref=tx._get_html_link(),
            amount=tx.currency_id.format(tx.amount),
        )

    def _get_received_message(self):
        document = self._fap_merchant_document()
        if not document or self.operation == "validation":
            return super()._get_received_message()
        merchant_env = document._fap_merchant().env
        tx = self.with_env(merchant_env)
        values = {"ref": tx._get_html_link(), "amount": tx.currency_id.format(tx.amount)}
        if self.operation == "refund":
            # Odoo's « The refund … » keeps the English word « refund » in every language: the app's sentences.
            messages = {
                "pending": merchant_env._("The refund %(ref)s of %(amount)s is pending.", **values),
                "done": merchant_env._("The refund %(ref)s of %(amount)s has been confirmed.", **values),
                "cancel": merchant_env._("The refund %(ref)s of %(amount)s has been canceled.", **values),
                "error": merchant_env._("The refund %(ref)s of %(amount)s did not go through.", **values),
            }
        else:
            messages = {
                "pending": merchant_env._("The payment %(ref)s of %(amount)s is pending.", **values),
                "authorized": merchant_env._("The payment %(ref)s of %(amount)s has been authorized.", **values),
                "done": merchant_env._("The payment %(ref)s of %(amount)s has been confirmed.", **values),
                "cancel": merchant_env._("The payment %(ref)s of %(amount)s has been canceled.", **values),
                "error": merchant_env._("The payment %(ref)s of %(amount)s did not go through.", **values),
            }
        message = messages.get(self.state)
        if message and self.state in ("cancel", "error") and self.state_message:
            message += Markup("<br/>") + self.state_message
        return message

    def _fap_failure_reason(self):
        """Why the payment failed, in the environment's language: in English, the provider's words (Stripe
        explains in English: « The payment was declined by the customer's bank. »); in another language, the app's
        (the provider's words stay on the transaction, for the merchant's support)."""
        tx = self[:1]
        if not tx.state_message or (self.env.lang or "en_US").startswith("en"):
            return tx.state_message or ""
        return self.env._("The bank or the card issuer refused the payment.")

    def _fap_payment_label(self):
        """The method and digits of the payment: « Visa •••• 4242 », « Apple Pay · Visa •••• 4242 »."""
        self.ensure_one()
        name, details = self.payment_method_id.name or "", self.stripe_checkout_payment_details or ""
        if details and name and name.split()[0].casefold() not in details.casefold():
            return f"{name} · {details}"
        return details or name

    def _set_error(self, state_message, extra_allowed_states=()):
        # A payment that fails after the customer left the payment page (a debit refused days later, a card
        # refused after authentication): the customer and the merchant are told; reminders resume.
        was_pending = self.filtered(lambda tx: tx.state in ("pending", "authorized"))
        txs = super()._set_error(state_message, extra_allowed_states=extra_allowed_states)
        for tx in txs & was_pending:
            if tx.operation in ("online_redirect", "online_direct", "online_token"):
                tx._fap_after_failed_payment()
        return txs

    def _fap_after_failed_payment(self):
        """Tell the customer (email and SMS, with the link to pay again) and the salesperson (a note, an
        activity) that the payment of the app's invoices did not go through."""
        self.ensure_one()
        mail_template = self.env.ref("facture_a_payer.mail_template_fap_payment_failed")
        sms_template = self.env.ref("facture_a_payer.sms_template_fap_payment_failed")
        invoices = self.invoice_ids.filtered(
            lambda move: move.move_type == "out_invoice" and move.state == "posted" and move._fap_in_flow()
        )
        for invoice in invoices.with_user(SUPERUSER_ID):
            merchant = invoice._fap_merchant()
            # The amount and the method as the merchant writes them (« 189,71 $ », « Débit préautorisé »).
            tx = self.with_env(merchant.env)
            invoice._fap_tell_customer_and_merchant(
                merchant.env._(
                    "The payment of %(amount)s by %(customer)s (%(method)s) did not go through: %(reason)s",
                    amount=tx.currency_id.format(tx.amount),
                    customer=invoice.partner_id.display_name,
                    method=tx._fap_payment_label() or tx.payment_method_id.name,
                    reason=tx._fap_failure_reason(),
                ),
                activity=merchant.env._("A payment did not go through"),
                mail_template=mail_template,
                sms_template=sms_template,
            )

    def _fap_after_partial_payment(self):
        """The receipt of a payment that left part of its invoice due (a fully paid invoice gets its receipt from
        ``account.move._invoice_paid_hook``)."""
        self.ensure_one()
        self.invoice_ids.filtered(
            lambda move: (
                move.move_type == "out_invoice"
                and move.state == "posted"
                and move.payment_state == "partial"
                and move._fap_in_flow()
            )
        )._fap_after_online_payment(amount=self.amount, method=self._fap_payment_label())

    def _fap_is_duplicate_payment(self):
        self.ensure_one()
        invoices = self.invoice_ids.filtered(lambda move: move.move_type == "out_invoice" and move.state == "posted")
        return bool(
            self.state == "done"
            and self.operation in ("online_redirect", "online_direct", "online_token")
            and not self.payment_id
            and not self.is_post_processed
            and invoices
            and all(move._fap_in_flow() for move in invoices)
            and all(move.payment_state in ("paid", "in_payment", "reversed") for move in invoices)
        )

    def _create_payment(self, **extra_create_values):
        # The duplicate's payment pays no invoice: it is matched with its refund instead.
        if self.fap_duplicate:
            extra_create_values.setdefault("invoice_ids", self.env["account.move"])
        return super()._create_payment(**extra_create_values)

    def _fap_refund_duplicate(self):
        """Refund the whole duplicate payment, tell the customer, the salesperson and the invoice's chatter."""
        self.ensure_one()
        error = None
        refund_tx = self.browse()
        if self.provider_id.support_refund == "none":
            error = self.env._("the payment provider does not refund automatically")
        else:
            try:
                with self.env.cr.savepoint():
                    refund_tx = self.with_context(stripe_checkout_refund_reason="duplicate")._refund()
            except (UserError, ValidationError) as exc:
                error = exc.args[0]
            if refund_tx.state == "error":
                error = refund_tx.state_message
            elif refund_tx.state == "done":
                refund_tx._post_process()
        mail_template = self.env.ref("facture_a_payer.mail_template_fap_duplicate_refund")
        sms_template = self.env.ref("facture_a_payer.sms_template_fap_duplicate_refund")
        for invoice in self.invoice_ids.with_user(SUPERUSER_ID):
            merchant = invoice._fap_merchant()
            amount = self.currency_id.format(self.amount)
            if error:
                invoice._fap_tell_customer_and_merchant(
                    merchant.env._(
                        "A second payment of %(amount)s (%(ref)s) was received for this invoice, already paid. "
                        "It could not be refunded automatically (%(error)s): refund it from the payment.",
                        amount=amount,
                        ref=self._get_html_link(),
                        error=error,
                    ),
                    activity=merchant.env._("Refund a duplicate payment"),
                )
            else:
                invoice._fap_tell_customer_and_merchant(
                    merchant.env._(
                        "A second payment of %(amount)s (%(ref)s) was received for this invoice, already paid: "
                        "it was refunded to the customer automatically (%(refund)s).",
                        amount=amount,
                        ref=self._get_html_link(),
                        refund=refund_tx._get_html_link(),
                    ),
                    mail_template=mail_template,
                    sms_template=sms_template,
                )

    def _fap_reconcile_duplicate_refund(self):
        """Match the duplicate payment with its refund: the books keep nothing open for either."""
        self.ensure_one()
        payment = self.source_transaction_id.payment_id
        refund = self.payment_id
        if not (payment and refund) or not self.currency_id.is_zero(self.amount + self.source_transaction_id.amount):
            return
        (payment.move_id.line_ids | refund.move_id.line_ids).filtered(
            lambda line: line.account_id == payment.destination_account_id and not line.reconciled
        ).reconcile()

    # === A payment Stripe reports with another amount: the accountant is told === #

    def _stripe_checkout_report_mismatch(self):
        res = super()._stripe_checkout_report_mismatch()
        for invoice in self.invoice_ids.with_user(SUPERUSER_ID):
            user = invoice.company_id._fap_accountant() or invoice.invoice_user_id or invoice.create_uid
            invoice.with_context(lang=user.lang or invoice.env.lang).activity_schedule(
                "mail.mail_activity_data_todo",
                summary=invoice.with_context(lang=user.lang).env._("Check a payment that does not match"),
                note=self.state_message,
                user_id=user.id,
            )
        return res
