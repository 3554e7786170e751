from odoo import api, fields, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    # The quote's « + » offers the two kinds a merchant sells: a service or goods (no combo, which needs its
    # choices set up in the catalogue).
    fap_kind = fields.Selection(
        [("service", "Service"), ("consu", "Goods")],
        string="Kind",
        compute="_compute_fap_kind",
        inverse="_inverse_fap_kind",
    )

    @api.depends("type")
    def _compute_fap_kind(self):
        for product in self:
            product.fap_kind = product.type if product.type in ("service", "consu") else False

    def _inverse_fap_kind(self):
        for product in self.filtered("fap_kind"):
            product.type = product.fap_kind

    def action_fap_add_to_order(self):
        """Save of the quote's « + » form: the new product goes last on the quote it was created from."""
        self.ensure_one()
        order = self.env["sale.order"].browse(self.env.context.get("fap_order_id")).exists()
        if order:
            order.check_access("write")
            self.env["sale.order.line"].create(
                {
                    "order_id": order.id,
                    "product_id": self.id,
                    "sequence": max(order.order_line.mapped("sequence"), default=9) + 1,
                }
            )
        return {"type": "ir.actions.act_window_close"}
