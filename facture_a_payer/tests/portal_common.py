import re
from urllib.parse import urlsplit

from odoo.fields import Command

from .common import FapSandboxCase


class FapPortalCase(FapSandboxCase):
    """A quote of the demo merchant (GST + QST) for a French- and an English-speaking customer, seen by a
    public visitor who only has the link."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The demo merchant: a Québec company on the Canadian chart (GST + QST).
        cls.company = cls.env.ref("facture_a_payer.demo_company")
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.env["ir.config_parameter"].set_param("sale.automatic_invoice", False)
        cls.salesperson = cls.env["res.users"].create(
            {
                "name": "Gabriel Vendeur",
                "login": "fap_portal_salesperson",
                "email": "gabriel@plomberie.example.com",
                "group_ids": [Command.link(cls.env.ref("sales_team.group_sale_salesman").id)],
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
            }
        )
        cls.tax_gst_qst = cls.env["account.chart.template"].with_company(cls.company).ref("gstqst_sale_tax_14975")
        cls.product = cls.env["product.product"].create(
            {
                "name": "Water heater installation",
                "type": "service",
                "list_price": 400.0,
                "invoice_policy": "delivery",
                "taxes_id": [Command.set(cls.tax_gst_qst.ids)],
            }
        )
        cls.customer_fr = cls.env["res.partner"].create(
            {"name": "Élise Tremblay", "lang": "fr_CA", "email": "elise@example.com", "phone": "+1 514-555-0142"}
        )
        cls.customer_en = cls.env["res.partner"].create(
            {"name": "Sarah Mitchell", "lang": "en_US", "email": "sarah@example.com", "phone": "+1 514-555-0193"}
        )

    def setUp(self):
        super().setUp()
        # Every request of these tests is a public visitor's.
        self.authenticate(None, None)

    def _make_quote(self, customer=None, **values):
        order = self.env["sale.order"].create(
            {
                "partner_id": (customer or self.customer_en).id,
                "user_id": self.salesperson.id,
                "require_signature": False,
                "require_payment": False,
                "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 2})],
                **values,
            }
        )
        order.action_quotation_sent()
        order._portal_ensure_token()
        return order

    def _path(self, url):
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _get(self, url, **kwargs):
        return self.url_open(self._path(url), **kwargs)

    def _rpc(self, url, params=None):
        """A JSON-RPC call as the browser makes it: the whole JSON answer (result or error)."""
        self.env.flush_all()
        response = self.opener.post(
            self.base_url() + self._path(url),
            json={"id": 0, "jsonrpc": "2.0", "method": "call", "params": params or {}},
            timeout=30,
        )
        self.env.invalidate_all()
        return response.json()

    def _approve(self, order):
        return self._rpc(order.get_portal_url(suffix="/accept"))

    def _csrf_token(self, html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
