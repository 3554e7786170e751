from odoo import api, models
from odoo.fields import Command


class FactureAPayerDemo(models.AbstractModel):
    """The steps of the demo data that XML records cannot express (called by ``<function>`` tags).

    Like every ``<function>`` in a ``noupdate`` block, they run once, when the add-on is installed.
    """

    _name = "facture_a_payer.demo"
    _description = "Facture à payer: demo data helpers"

    @api.model
    def _install_languages(self, codes):
        """Activate the languages and load their translations, like Settings > Languages > Add."""
        langs = self.env["res.lang"].with_context(active_test=False).search([("code", "in", codes)])
        to_install = langs.filtered(lambda lang: not lang.active)
        if to_install:
            wizard = self.env["base.language.install"].create({"lang_ids": [Command.set(to_install.ids)]})
            wizard.lang_install()

    @api.model
    def _confirm_and_invoice(self, order_ids):
        """Approve the orders as the merchant (or the customer) does: confirmed, invoiced and posted."""
        for order in self.env["sale.order"].browse(order_ids):
            order.with_company(order.company_id)._fap_confirm_and_invoice()

    @api.model
    def _register_payment(self, move_ids):
        """Register and reconcile the full payment of posted invoices in the company's bank journal."""
        for move in self.env["account.move"].browse(move_ids):
            if move.state == "draft":
                move.action_post()
            if move.payment_state in ("paid", "in_payment"):
                continue
            self.env["account.payment.register"].with_company(move.company_id).with_context(
                active_model="account.move", active_ids=move.ids
            ).create({"payment_date": move.invoice_date})._create_payments()

    @api.model
    def _pay_order_invoices(self, order_ids):
        self._register_payment(self.env["sale.order"].browse(order_ids).invoice_ids.ids)
