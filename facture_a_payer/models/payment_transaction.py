from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _invoice_sale_orders(self):
        # Odoo's automatic invoicing (`sale.automatic_invoice`) finds nothing left to invoice on an order our
        # approval already invoiced and then links the transaction to no invoice at all: link it to the order's
        # open invoice instead, so that the payment is reconciled with it.
        res = super()._invoice_sale_orders()
        for tx in self.filtered(lambda tx: tx.sale_order_ids and not tx.invoice_ids):
            tx.invoice_ids = tx.sale_order_ids.invoice_ids.filtered(
                lambda move: (
                    move.move_type == "out_invoice"
                    and move.state == "posted"
                    and move.payment_state in ("not_paid", "partial")
                )
            )
        return res
