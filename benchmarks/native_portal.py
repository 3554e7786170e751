"""Odoo's own customer pages, for the benchmarks' native baseline: our controller overrides replaced by calls
straight to Odoo's, our inherited portal templates deactivated (in the test transaction, rolled back at the end)."""

from contextlib import ExitStack, contextmanager
from unittest.mock import patch

from odoo import http

from odoo.addons.account_payment.controllers import portal as account_payment_portal
from odoo.addons.facture_a_payer.controllers import portal as fap_portal
from odoo.addons.sale.controllers import portal as sale_portal

OUR_VIEWS = (
    "facture_a_payer.sale_order_portal_template",
    "facture_a_payer.portal_invoice_page",
    "facture_a_payer.portal_invoice_page_payment",
    "facture_a_payer.frontend_layout_visitor_assets",
)


@contextmanager
def native_portal(env):
    @http.route()
    def native_order_page(controller, *args, **kwargs):
        return sale_portal.CustomerPortal.portal_order_page(controller, *args, **kwargs)

    @http.route()
    def native_quote_accept(controller, *args, **kwargs):
        return sale_portal.CustomerPortal.portal_quote_accept(controller, *args, **kwargs)

    @http.route()
    def native_invoice_page(controller, *args, **kwargs):
        return account_payment_portal.PortalAccount.portal_my_invoice_detail(controller, *args, **kwargs)

    views = env["ir.ui.view"].browse([env.ref(xmlid).id for xmlid in OUR_VIEWS])
    with ExitStack() as stack:
        stack.enter_context(patch.object(fap_portal.FapSalePortal, "portal_order_page", native_order_page))
        stack.enter_context(patch.object(fap_portal.FapSalePortal, "portal_quote_accept", native_quote_accept))
        stack.enter_context(patch.object(fap_portal.FapInvoicePortal, "portal_my_invoice_detail", native_invoice_page))
        env.registry.clear_cache("routing")
        views.active = False
        try:
            yield
        finally:
            views.active = True
    env.registry.clear_cache("routing")
