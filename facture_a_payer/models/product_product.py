from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def action_fap_add_to_order(self):
        """Save of the quote's « + » form: the new product goes on the quote it was created from."""
        self.ensure_one()
        order = self.env["sale.order"].browse(self.env.context.get("fap_order_id")).exists()
        if order:
            order.check_access("write")
            self.env["sale.order.line"].create({"order_id": order.id, "product_id": self.id})
        return {"type": "ir.actions.act_window_close"}
