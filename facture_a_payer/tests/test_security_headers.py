from odoo.tests import tagged

from .portal_common import FapPortalCase

POLICY = "strict-origin-when-cross-origin"


@tagged("post_install", "-at_install")
class TestSecurityHeaders(FapPortalCase):
    """What a customer's link answers, seen by a visitor who only has the link."""

    def _open(self, path):
        # One hop at a time: each response of the way carries (or not) the header.
        return self.url_open(path, allow_redirects=False)

    def test_the_pages_of_a_customers_link_keep_their_token_to_themselves(self):
        quote = self._make_quote(customer=self.customer_fr)
        invoice = self._make_quote()._fap_confirm_and_invoice()
        links = {
            "the quote's page": self.path(quote.get_portal_url()),
            "the invoice's page": self.path(invoice.get_portal_url()),
            "the invoice's PDF": self.path(invoice.get_portal_url(report_type="pdf", download=True)),
        }
        for name, path in links.items():
            with self.subTest(name):
                self.assertIn("access_token=", path)
                response = self._open(path)
                # The French customer's link first redirects to their language; the English ones answer at once.
                self.assertIn(response.status_code, (200, 303), response.text[:300])
                self.assertEqual(response.headers.get("Referrer-Policy"), POLICY)
        self.assertEqual(self.url_open(links["the invoice's PDF"]).headers["Content-Type"], "application/pdf")

    def test_the_short_link_of_an_sms_redirects_without_giving_its_code_away(self):
        invoice = self._make_quote()._fap_confirm_and_invoice()
        response = self._open(self.path(invoice._fap_get_short_url()))
        self.assertEqual(response.status_code, 303)
        self.assertIn("access_token=", response.headers["Location"])
        self.assertEqual(response.headers.get("Referrer-Policy"), POLICY)

    def test_a_page_without_a_token_is_left_as_odoo_serves_it(self):
        response = self._open("/web/login")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("Referrer-Policy", response.headers)
