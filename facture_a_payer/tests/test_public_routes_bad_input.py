import re

from odoo.tests import tagged

from .portal_common import FapPortalPaymentCase

# What a clean refusal of a JSON-RPC call looks like: the client's mistake named, not a server error.
CLEAN_ERRORS = {
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "werkzeug.exceptions.BadRequest",
    "werkzeug.exceptions.Forbidden",
    "werkzeug.exceptions.NotFound",
}


@tagged("post_install", "-at_install")
class TestPublicRoutesBadInput(FapPortalPaymentCase):
    """Whatever a visitor sends to a public route, the answer is a clean 400, 403 or 404, never a server error."""

    def _transaction_params(self, document, **overrides):
        params = {
            "access_token": document.access_token,
            "provider_id": self.provider.id,
            "payment_method_id": self.env.ref("payment.payment_method_card").id,
            "token_id": None,
            "amount": document.amount_total,
            "flow": "redirect",
            "tokenization_requested": False,
            "landing_route": document.get_portal_url(),
            **overrides,
        }
        return {key: value for key, value in params.items() if value is not Ellipsis}

    def _assert_cleanly_refused(self, route, params):
        transactions_before = self.env["payment.transaction"].search_count([])
        answer = self._rpc(route, params)
        self.assertIn("error", answer, f"{params} was accepted")
        self.assertIn(answer["error"]["data"]["name"], CLEAN_ERRORS, answer["error"]["data"].get("debug"))
        self.assertEqual(self.env["payment.transaction"].search_count([]), transactions_before, "no transaction")

    def test_an_access_token_that_is_not_a_string_or_is_missing_is_refused_cleanly(self):
        _quote, invoice = self._approved_invoice()
        deposit_quote = self._make_quote(require_payment=True, prepayment_percent=0.3)
        for route, document in (
            (f"/invoice/transaction/{invoice.id}", invoice),
            (f"/my/orders/{deposit_quote.id}/transaction", deposit_quote),
        ):
            for token in ([document.access_token], {"token": document.access_token}, 42, 4.2, True, None, ...):
                with self.subTest(route=route, token=token):
                    self._assert_cleanly_refused(route, self._transaction_params(document, access_token=token))

    def test_an_unknown_flow_is_refused_cleanly(self):
        _quote, invoice = self._approved_invoice()
        deposit_quote = self._make_quote(require_payment=True, prepayment_percent=0.3)
        for route, document in (
            (f"/invoice/transaction/{invoice.id}", invoice),
            (f"/my/orders/{deposit_quote.id}/transaction", deposit_quote),
        ):
            for flow in ("nonsense", None, ["redirect"]):
                with self.subTest(route=route, flow=flow):
                    self._assert_cleanly_refused(route, self._transaction_params(document, flow=flow))

    def test_a_non_ascii_token_on_a_portal_page_is_a_wrong_token(self):
        quote, invoice = self._approved_invoice()
        outside = self._make_quote(fap_flow=False)
        for document in (quote, invoice, outside):
            for suffix in ("", "?report_type=pdf"):
                with self.subTest(document=document.display_name, suffix=suffix):
                    url = f"{document.access_url}{suffix}{'&' if suffix else '?'}access_token=%C3%A9t%C3%A9"
                    response = self.open_as_visitor(url, allow_redirects=False)
                    self.assertIn(response.status_code, (302, 303))
                    self.assertTrue(response.headers["Location"].endswith("/my"), response.headers["Location"])

    def test_a_non_ascii_token_on_the_unsubscribe_page_is_not_found(self):
        partner = self.customer_fr
        url = partner._fap_get_unsubscribe_url()
        page = self.open_as_visitor(url)
        self.assertEqual(page.status_code, 200)
        csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
        bad_url = f"/facture_a_payer/unsubscribe/{partner.id}/é{url.rsplit('/', 1)[1][1:]}"
        self.assertEqual(self.open_as_visitor(bad_url).status_code, 404)
        self.assertEqual(self.open_as_visitor(bad_url, data={"csrf_token": csrf_token}).status_code, 404)
        self.assertFalse(partner.is_blacklisted)
