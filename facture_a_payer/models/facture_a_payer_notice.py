import logging

from odoo import SUPERUSER_ID, fields, models

_logger = logging.getLogger(__name__)


class FactureAPayerNotice(models.Model):
    """A message to the customer about their invoice's money (a receipt, a failed payment, a refund) that the
    notices' cron writes and sends once the transaction that recorded the money is committed: the payment's
    request (the customer's return, Stripe's webhook, the mail gateway) neither renders nor sends it."""

    _name = "facture_a_payer.notice"
    _description = "Customer notice to write"
    _order = "id"

    move_id = fields.Many2one("account.move", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    mail_template_id = fields.Many2one("mail.template", ondelete="cascade")
    sms_template_id = fields.Many2one("sms.template", ondelete="cascade")
    amount = fields.Float(help="What the notice says was paid (a receipt).")
    method = fields.Char(help="How it was paid, as the customer reads it.")

    def _fap_write(self):
        """Write the notice to the customer by their channels: the email to Odoo's mail queue, the SMS held for
        the notices' cron; why the customer could not be told is noted on the invoice."""
        for notice in self:
            # No amount nor method given: the templates say the invoice's last payment (a receipt is of a cent or more).
            invoice = notice.move_id.with_user(SUPERUSER_ID).with_context(
                fap_notice={"amount": notice.amount or None, "method": notice.method or None},
                fap_queue_sms=True,
                mail_notify_force_send=False,
            )
            try:
                error = invoice._fap_notify_customer_after_payment(
                    notice.mail_template_id.with_env(invoice.env), notice.sms_template_id.with_env(invoice.env)
                )
            except Exception as failure:  # one notice that cannot be written must not hold back the others
                _logger.warning("Notice %s of %s not written", notice.id, invoice.display_name, exc_info=True)
                error = str(failure)
            if error:
                invoice.message_post(
                    body=invoice._fap_merchant().env._("The customer could not be told: %(error)s", error=error),
                    message_type="notification",
                    subtype_xmlid="mail.mt_note",
                )
            else:
                invoice.env["sms.sms"]._fap_queue_notices(invoice)
            notice.unlink()
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
