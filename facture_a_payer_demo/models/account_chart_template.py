from odoo import api, models


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    @api.model
    def _install_demo(self, companies):
        # Odoo's accounting demo data are invoices and bills of its generic customers (Deco Addict...): not in the
        # merchant's books, which hold the demo's own quotes, invoices and payments.
        if not isinstance(companies, models.BaseModel):
            companies = self.env["res.company"].browse(companies)
        merchant = self.env.ref("facture_a_payer_demo.demo_company", raise_if_not_found=False)
        return super()._install_demo(companies - merchant if merchant else companies)
