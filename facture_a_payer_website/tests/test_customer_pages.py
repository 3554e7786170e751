from lxml import html

from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.facture_a_payer.tests.portal_common import FapPortalPaymentCase


@tagged("post_install", "-at_install")
class TestCustomerPagesBesideWebsite(FapPortalPaymentCase):
    """A merchant who runs Odoo's website (its menu, footer, cookie bar and analytics on): the customer who came by
    the link sees the merchant's page as without the website; everyone else sees the website as Odoo makes it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].get_current_website()
        cls.website.write({"cookies_bar": True, "google_analytics_key": "G-FAP1234567"})

    def _page(self, url):
        response = self.open_as_visitor(url)
        self.assertEqual(response.status_code, 200, url)
        return html.fromstring(response.content)

    def _assert_the_merchants_page(self, page):
        self.assertFalse(page.xpath("//*[@id='website_cookies_bar']"), "no cookie bar")
        self.assertFalse(page.xpath("//script[@id='tracking_code']"), "no analytics")
        self.assertFalse(page.xpath("//header[@id='top'] | //*[@id='top_menu']"), "no website menu")
        self.assertFalse(page.xpath("//a[@href='/contactus'] | //a[@href='/web/login']"), "no call to action")
        self.assertFalse(page.xpath("//div[@id='footer']"), "no website footer")
        logo = page.xpath("//header[@id='fap_visitor_header']//img")[0]
        self.assertEqual(logo.get("src"), f"/logo.png?company={self.company.id}")
        self.assertEqual(logo.get("alt"), f"Logo of {self.company.name}")
        copyright_line = page.xpath("//footer[@id='fap_visitor_footer']")[0].text_content()
        self.assertIn(self.company.name, copyright_line)
        # The visitor's lean bundle, not the website's.
        lean = page.xpath("//script[contains(@data-src, 'facture_a_payer.assets_visitor_lazy')]/@data-src")
        # The website's script that switches languages (.js_change_lang: the footer's selector) is in it.
        self.assertIn("@website/js/content/website_root", self.url_open(lean[0]).text)
        self.assertTrue(page.xpath("//footer[@id='fap_visitor_footer']//a[hasclass('js_change_lang')]"))

    def test_the_customer_sees_the_merchants_page_not_the_website(self):
        quote = self._make_quote(self.customer_fr)
        page = self._page(quote.get_portal_url())
        self.assertEqual(page.get("lang"), "fr-CA")
        self.assertTrue(page.xpath("//*[@id='fap_approval']"))
        self._assert_the_merchants_page(page)

        self._approve(quote)
        invoice = quote.invoice_ids
        page = self._page(invoice.get_portal_url())
        self.assertEqual(page.get("lang"), "fr-CA")
        self.assertTrue(page.xpath("//a[@name='fap_pay']"))
        self._assert_the_merchants_page(page)

    def test_everyone_else_sees_the_website_as_odoo_makes_it(self):
        # The website's own page, to the same visitor.
        page = self._page("/contactus")
        self.assertTrue(page.xpath("//*[@id='website_cookies_bar']"))
        self.assertTrue(page.xpath("//script[@id='tracking_code']"))
        self.assertTrue(page.xpath("//header[@id='top']"))
        self.assertFalse(page.xpath("//*[@id='fap_visitor_header']"))
        # A logged-in portal user keeps Odoo's portal, in the website.
        quote = self._make_quote()
        self.env["res.users"].create(
            {
                "name": "Sarah Mitchell",
                "login": "sarah.website",
                "password": "sarah.website",
                "partner_id": self.customer_en.id,
                "group_ids": [Command.set(self.env.ref("base.group_portal").ids)],
            }
        )
        self.authenticate("sarah.website", "sarah.website")
        page = self._page(quote.get_portal_url())
        self.assertTrue(page.xpath("//header[@id='top']"))
        self.assertTrue(page.xpath("//*[@id='website_cookies_bar']"))
        self.assertFalse(page.xpath("//*[@id='fap_visitor_header']"))
