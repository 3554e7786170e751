from fap_sandbox.stripe import CARD_SUCCESS
from lxml import html as lxml_html

from odoo.fields import Command
from odoo.tests import tagged

from .portal_common import FapPortalPaymentCase

EXPIRE = r"/v1/checkout/sessions/\w+/expire"
RETRIEVE = r"/v1/checkout/sessions/\w+"


@tagged("post_install", "-at_install")
class TestPortalMoneySafety(FapPortalPaymentCase):
    """Money is taken once, by the document's company only; bad input is refused before any transaction."""

    def _open_page(self, invoice):
        processing_values = self._start_payment(invoice)
        return lxml_html.fromstring(processing_values["redirect_form_html"]).get("action")

    def _pay_on_page(self, page_url):
        answer = self.opener.post(f"{page_url}/pay", data={"cardnumber": CARD_SUCCESS}, allow_redirects=False)
        self.assertEqual(answer.status_code, 303)

    def _transaction_params(self, document, **overrides):
        return {
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

    def _assert_refused(self, route, document, message=None, **overrides):
        transactions_before = self.env["payment.transaction"].search_count([])
        answer = self._rpc(route, self._transaction_params(document, **overrides))
        self.assertIn("error", answer, f"{overrides} was accepted")
        if message:
            self.assertIn(message, answer["error"]["data"]["message"])
        self.assertEqual(self.env["payment.transaction"].search_count([]), transactions_before, "no transaction")
        return answer

    def _other_companys_provider(self):
        """Stripe Checkout enabled in another company of the database, on another Stripe account."""
        company = self.env["res.company"].create(
            {"name": "Autre compagnie", "currency_id": self.company.currency_id.id}
        )
        provider = self.env["payment.provider"].search(
            [("code", "=", "stripe_checkout"), ("company_id", "=", company.id)]
        )
        provider.write(
            {
                "state": "test",
                "is_published": True,
                "stripe_checkout_secret_key": "sk_test_other",
                "stripe_checkout_webhook_secret": "whsec_other",
            }
        )
        return provider

    # === One invoice, one charge === #

    def test_two_pages_paid_at_once_make_one_payment_and_one_automatic_refund(self):
        _quote, invoice = self._approved_invoice(customer=self.customer_fr)
        first_page = self._open_page(invoice)
        # Stripe does not answer when the second page is opened: the first one stays open.
        self.sandbox.stripe.fail("POST", EXPIRE, 503, times=3)
        self.sandbox.stripe.fail("GET", RETRIEVE, 503, times=3)
        second_page = self._open_page(invoice)
        self._pay_on_page(first_page)
        self._pay_on_page(second_page)
        sms_before = len(self.sandbox.twilio.messages)
        with self.smtp_live():
            self.deliver_callbacks()  # Stripe's webhooks
            payments_txs = invoice.transaction_ids.filtered(lambda tx: tx.operation != "refund")
            self.assertEqual(payments_txs.mapped("state"), ["done", "done"])
            payments_txs._post_process()
        self.deliver_notices()

        # The books: the invoice paid once; the second payment matched with its refund, nothing left open.
        self.assertEqual(invoice.payment_state, "paid")
        duplicate = payments_txs.filtered("fap_duplicate")
        self.assertEqual(len(duplicate), 1)
        original = payments_txs - duplicate
        self.assertIn(invoice, original.payment_id.reconciled_invoice_ids)
        refund_tx = duplicate.child_transaction_ids
        self.assertEqual(refund_tx.operation, "refund")
        self.assertEqual(refund_tx.state, "done")
        self.assertEqual(refund_tx.amount, -duplicate.amount)
        self.assertEqual(duplicate.payment_id.payment_type, "inbound")
        self.assertEqual(refund_tx.payment_id.payment_type, "outbound")
        self.assertFalse(duplicate.payment_id.reconciled_invoice_ids, "the duplicate pays no invoice")
        for payment in duplicate.payment_id | refund_tx.payment_id | original.payment_id:
            self.assertTrue(payment.is_reconciled, f"{payment.display_name} is left unreconciled")
        # At Stripe: one full refund, for the reason « duplicate ».
        [refund] = self.sandbox.stripe.refunds.values()
        self.assertEqual(refund["reason"], "duplicate")
        self.assertEqual(refund["payment_intent"], duplicate.stripe_checkout_payment_intent)
        self.assertEqual(refund["amount"], round(duplicate.amount * 100))
        # The merchant: a note on the invoice, sent to the salesperson.
        note = invoice.message_ids.filtered(lambda m: "refunded to the customer automatically" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn(self.salesperson.partner_id, note.partner_ids)
        # The customer, in French: by email and by SMS.
        emails = [m for m in self.sandbox.mail.messages if invoice.name in m["subject"]]
        self.assertTrue(any("votre second paiement" in m["subject"] for m in emails), [m["subject"] for m in emails])
        sms = [m for m in self.sandbox.twilio.messages[sms_before:] if "payée deux fois" in m["body"]]
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms[0]["to"], "+15145550142")

    def test_pressing_pay_twice_leaves_one_open_page(self):
        _quote, invoice = self._approved_invoice()
        self._open_page(invoice)
        self._open_page(invoice)
        open_sessions = [s for s in self.sandbox.stripe.sessions.values() if s["status"] == "open"]
        self.assertEqual(len(open_sessions), 1)
        self.assertEqual(invoice.transaction_ids.sorted("id").mapped("state"), ["cancel", "draft"])

    def test_a_payment_stripe_reports_with_another_amount_gives_the_accountant_an_activity(self):
        accountant = self.env["res.users"].create(
            {
                "name": "Josée Comptable",
                "login": "fap_accountant",
                "group_ids": [Command.link(self.env.ref("account.group_account_manager").id)],
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
            }
        )
        _quote, invoice = self._approved_invoice()
        page = self._open_page(invoice)
        tx = invoice.transaction_ids
        self.sandbox.stripe.sessions[tx.provider_reference]["amount_total"] = 100
        answer = self.opener.post(f"{page}/pay", data={"cardnumber": CARD_SUCCESS}, allow_redirects=False)
        self.url_open(answer.headers["Location"])
        self.env.invalidate_all()
        self.assertEqual(tx.state, "error")
        self.assertEqual(invoice.payment_state, "not_paid")
        activity = invoice.activity_ids.filtered(lambda a: a.summary == "Check a payment that does not match")
        self.assertEqual(activity.user_id, accountant)

    # === Only this document's company's enabled providers === #

    def test_a_provider_of_another_company_is_refused(self):
        _quote, invoice = self._approved_invoice()
        other = self._other_companys_provider()
        self._assert_refused(f"/invoice/transaction/{invoice.id}", invoice, "not available", provider_id=other.id)

    def test_a_disabled_provider_is_refused(self):
        _quote, invoice = self._approved_invoice()
        self.provider.state = "disabled"
        self._assert_refused(f"/invoice/transaction/{invoice.id}", invoice, "not available")

    def test_a_quote_payment_with_another_companys_provider_is_refused(self):
        quote = self._make_quote(require_payment=True, prepayment_percent=1.0)
        other = self._other_companys_provider()
        self._assert_refused(f"/my/orders/{quote.id}/transaction", quote, "not available", provider_id=other.id)
        # The document's own provider is still accepted.
        answer = self._rpc(f"/my/orders/{quote.id}/transaction", self._transaction_params(quote))
        self.assertIn("result", answer, answer)

    def test_a_validation_on_an_invoice_is_refused(self):
        _quote, invoice = self._approved_invoice()
        self._assert_refused(f"/invoice/transaction/{invoice.id}", invoice, "validation", is_validation=True)

    def test_an_amount_that_is_not_a_number_is_refused(self):
        _quote, invoice = self._approved_invoice()
        for amount in ([invoice.amount_total], {"amount": invoice.amount_total}, "919.80", True):
            with self.subTest(amount=amount):
                self._assert_refused(f"/invoice/transaction/{invoice.id}", invoice, "must be a number", amount=amount)

    def test_ids_that_are_not_numbers_are_refused(self):
        _quote, invoice = self._approved_invoice()
        self._assert_refused(f"/invoice/transaction/{invoice.id}", invoice, "must be an id", provider_id=[1])
        self._assert_refused(f"/invoice/transaction/{invoice.id}", invoice, "must be an id", payment_method_id="1")

    def test_a_token_of_another_customer_is_refused(self):
        _quote, invoice = self._approved_invoice()
        token = self.env["payment.token"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.env.ref("payment.payment_method_card").id,
                "partner_id": self.customer_fr.id,
                "provider_ref": "pm_someone_else",
                "payment_details": "4242",
            }
        )
        self._assert_refused(
            f"/invoice/transaction/{invoice.id}", invoice, "not available", flow="token", token_id=token.id
        )

    # === Malformed input elsewhere: a clear answer, not a 500 === #

    def test_a_very_long_decline_reason_is_cut_with_a_notice(self):
        quote = self._make_quote()
        html = self.open_as_visitor(quote.get_portal_url()).text
        reason = "Trop cher. " * 500
        response = self.url_open(
            self.path(quote.get_portal_url(suffix="/decline")),
            data={"csrf_token": self._csrf_token(html), "decline_message": reason},
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(quote.fap_declined)
        self.assertLess(len(quote.fap_declined_reason), 2100)
        self.assertIn(reason.strip()[:2000], quote.fap_declined_reason)
        self.assertIn(f"{len(reason.strip())} characters", quote.fap_declined_reason)

    def test_an_approval_with_malformed_parameters_answers_an_error(self):
        quote = self._make_quote()
        for params in ({"name": ["x"]}, {"signature": {"a": 1}}, {"access_token": 42}):
            with self.subTest(params=params):
                answer = self._rpc(quote.get_portal_url(suffix="/accept"), params)
                self.assertEqual(answer.get("result", {}).get("error"), "Invalid order.", answer)
        self.assertEqual(quote.state, "sent")
