import re

from odoo import fields
from odoo.fields import Command
from odoo.tests import tagged

from .portal_common import FapPortalPaymentCase


@tagged("post_install", "-at_install")
class TestPortalVisitor(FapPortalPaymentCase):
    """A customer who came by the link sees the document, its answers, the merchant and a short history; a
    logged-in portal user keeps Odoo's whole portal."""

    def test_a_visitor_sees_the_document_not_odoos_portal_around_it(self):
        quote = self._make_quote(self.customer_fr)
        quote.fap_sent_at = fields.Datetime.now()
        page = self.open_as_visitor(quote.get_portal_url()).text
        title = re.search(r"<title>(.*?)</title>", page, re.DOTALL)[1]
        self.assertIn(quote.name, title)
        self.assertIn(self.company.name, title)
        self.assertIn('lang="fr-CA"', page)
        for hidden in ("o_portal_chatter", "o_portal_submenu", 'href="/web/login"', "portal_connect_software"):
            self.assertNotIn(hidden, page, hidden)
        self.assertIn('id="fap_history"', page)
        self.assertIn("Envoyée", page)
        # Odoo's frontend JavaScript without what the visitor's pages never run (issue 25).
        self.assertNotIn("web.assets_frontend_lazy", page)
        lean = re.search(r'data-src="(/web/assets/[^"]*/facture_a_payer\.assets_visitor_lazy\.min\.js)"', page)[1]
        script = self.url_open(lean).text
        self.assertIn("@payment/interactions/payment_form", script)
        self.assertIn("@facture_a_payer/signature/deferred_signature_form", script)
        self.assertNotIn("@web/core/tree_editor/", script)
        self.assertNotIn("@bus/", script)

        self._approve(quote)
        invoice = quote.invoice_ids
        self._pay(invoice)
        page = self.open_as_visitor(invoice.get_portal_url()).text
        history = re.search(r'id="fap_history".*?</section>', page, re.DOTALL)[0]
        self.assertIn("Approuvée", history)
        self.assertIn("Payé 919,80", history)
        self.assertNotIn("o_portal_chatter", page)
        self.assertIn(self.company.name, re.search(r"<title>(.*?)</title>", page, re.DOTALL)[1])

        # The page back from Stripe wears the merchant's name.
        status = self.url_open("/payment/status").text
        self.assertIn(self.company.name, re.search(r"<title>(.*?)</title>", status, re.DOTALL)[1])
        self.assertIn(f'Copyright &copy; <span itemprop="name">{self.company.name}</span>', status)

    def test_a_logged_in_portal_user_keeps_odoos_portal(self):
        quote = self._make_quote()
        self.env["res.users"].create(
            {
                "name": "Sarah Mitchell",
                "login": "sarah.portal",
                "password": "sarah.portal",
                "partner_id": self.customer_en.id,
                "group_ids": [Command.set(self.env.ref("base.group_portal").ids)],
            }
        )
        self.authenticate("sarah.portal", "sarah.portal")
        page = self.url_open(quote.get_portal_url()).text
        self.assertIn("o_portal_chatter", page)
        self.assertIn("o_portal_submenu", page)
        self.assertNotIn('id="fap_history"', page)
        self.assertIn("web.assets_frontend_lazy", page)
        self.assertNotIn("facture_a_payer.assets_visitor_lazy", page)
        self.assertIn("web.assets_frontend.min.css", page)
        self.assertIn("fontawesome-webfont", page)


# Once the page is loaded and idle, on the lean style sheets: Font Awesome's font neither fetched nor used.
NO_ICON_FONT = """
(async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await document.fonts.ready;
    const sheets = [...document.querySelectorAll("link[rel=stylesheet]")].map((link) => link.href);
    const fontAwesome = [...document.fonts].filter((font) => font.family.includes("FontAwesome"));
    const shown = [...document.querySelectorAll(".fa")].filter((icon) => icon.offsetParent);
    if (!sheets.some((url) => url.includes("facture_a_payer.assets_visitor.min.css"))) {
        console.error("Not on the lean style sheets:", location.href, sheets.join(" "));
    } else if (fontAwesome.some((font) => font.status !== "unloaded") || shown.length) {
        console.error("Font Awesome on the visitor's page:", shown.map((icon) => icon.className).join(", "));
    } else {
        console.log("test successful");
    }
})();
"""


@tagged("post_install", "-at_install")
class TestPortalVisitorAssets(FapPortalPaymentCase):
    """The visitor's pages load lean style sheets and no icon font before the first tap (issue 25)."""

    def _style_sheet(self, page):
        self.assertNotIn("web.assets_frontend.min.css", page)
        self.assertNotIn("fontawesome-webfont", page)
        self.assertIn("facture_a_payer.assets_visitor_lazy", page)
        return self.url_open(
            re.search(r'href="(/web/assets/[^"]*/facture_a_payer\.assets_visitor\.min\.css)"', page)[1]
        ).text

    def test_lean_style_sheets_and_no_icon_font(self):
        self.company.write({"fap_interac": True, "fap_interac_email": "paiements@plomberie-test.example.com"})
        quote = self._make_quote(self.customer_fr, require_signature=True)
        css = self._style_sheet(self.open_as_visitor(quote.get_portal_url()).text)
        # Bootstrap, the portal, the signature dialog, the payment form; not the editors nor the pickers.
        for kept in (".modal-dialog", ".o_portal_wrap", ".o_web_sign_name_and_signature", ".o_payment_form"):
            self.assertIn(kept, css)
        removed = [".o_tree_editor", ".o_font_color_selector", ".o_datetime_picker"]
        if "website" not in self.env:
            # Beside Odoo's website, its style sheets extend the HTML editor's content styles: they come back
            # (facture_a_payer_website).
            removed.append(".o_checklist")
        for selector in removed:
            self.assertNotIn(selector, css)
        _quote, invoice = self._approved_invoice(customer=self.customer_en)
        self._style_sheet(self.open_as_visitor(invoice.get_portal_url()).text)
        self._start_payment(invoice)
        status = self.url_open("/payment/status").text
        self._style_sheet(status)
        self.assertNotRegex(status, r'<i class="(fa|oi) ')
        for url in (quote.get_portal_url(), invoice.get_portal_url()):
            self.browser_js(self.path(url), NO_ICON_FONT, ready="true", timeout=120)
