from odoo import api, models
from odoo.fields import Command

# The add-ons whose records are the merchant's own.
OURS = ("facture_a_payer", "facture_a_payer_demo", "payment_stripe_checkout")


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
    def _set_aside_generic_demo(self, company_id):
        """Give Odoo's generic demo customers (base's Deco Addict, Gemini Furniture...) and catalogue (product's
        desks and chairs), shared by every company, to Odoo's demo company ``company_id``: the merchant's pickers
        list the merchant's own. The users' and the companies' contacts stay shared."""
        Data = self.env["ir.model.data"]
        partners = (
            self.env["res.partner"]
            .browse(
                Data.search(
                    [("module", "=", "base"), ("model", "=", "res.partner"), ("name", "=like", "res_partner_%")]
                ).mapped("res_id")
            )
            .exists()
        )
        companies = self.env["res.company"].search([]).partner_id
        partners = partners.filtered(
            lambda partner: (
                not partner.company_id
                and not partner.with_context(active_test=False).user_ids
                and partner.commercial_partner_id not in companies
            )
        )
        partners.write({"company_id": company_id})
        products = (
            self.env["product.product"]
            .browse(Data.search([("module", "not in", OURS), ("model", "=", "product.product")]).mapped("res_id"))
            .exists()
        )
        # Product's desks and chairs, and the other modules' (sale's « Deposit », « Chair floor protection »).
        templates = (
            products.product_tmpl_id
            | self.env["product.template"]
            .browse(Data.search([("module", "not in", OURS), ("model", "=", "product.template")]).mapped("res_id"))
            .exists()
        )
        templates.filtered(lambda template: not template.company_id).write({"company_id": company_id})

    @api.model
    def _keep_other_companies_apart(self, company_id):
        """The merchant (the administrator) works in the company ``company_id`` only: the company switcher lists
        no other, and the other companies' own contacts (« YourCompany », l10n_ca's « CA Company », l10n_us's « My
        US Company » and their people), shared by default, belong to their company, out of the merchant's pickers.
        The superuser keeps every company (the demo data of modules installed later are made in its company)."""
        self.env.ref("base.user_admin").write({"company_id": company_id, "company_ids": [Command.set([company_id])]})
        for company in self.env["res.company"].search([("id", "!=", company_id)]):
            partner = company.partner_id.with_context(active_test=False)
            # Odoo writes the company on the contacts too, and refuses it for a user's contact of another company.
            if not partner.company_id and not (partner | partner.child_ids).user_ids:
                partner.write({"company_id": company.id})

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
