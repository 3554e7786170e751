from fap_sandbox.stripe import CARD_ASYNC_FAILURE, CARD_ASYNC_SUCCESS, CARD_DECLINED, CARD_SUCCESS

from odoo.tests import tagged

from .common import StripeCheckoutCommon


@tagged("post_install", "-at_install")
class TestStripeCheckoutPayment(StripeCheckoutCommon):
    def test_provider_is_installed_with_its_redirect_form_and_secret_fields(self):
        provider = self.env.ref("payment_stripe_checkout.payment_provider_stripe_checkout")
        self.assertEqual(provider.code, "stripe_checkout")
        self.assertEqual(provider.redirect_form_view_id, self.env.ref("payment_stripe_checkout.redirect_form"))
        self.assertEqual(provider.support_refund, "partial")
        self.assertEqual(provider.module_id.name, "payment_stripe_checkout")
        for field_name in ("stripe_checkout_secret_key", "stripe_checkout_webhook_secret"):
            self.assertEqual(provider._fields[field_name].groups, "base.group_system")
        self.assertTrue(
            self.env["account.payment.method"].search_count([("code", "=", "stripe_checkout")]),
            "the install hook creates the accounting payment method",
        )

    def test_full_payment_marks_the_invoice_paid_once(self):
        invoice = self._create_invoice()
        tx = self._create_invoice_tx(invoice)
        page_url = self._start_checkout(tx)
        session = self.stripe.sessions[tx.provider_reference]
        self.assertEqual(page_url, f"{self.sandbox.url}/stripe/checkout/{session['id']}")
        self.assertEqual(session["amount_total"], 123456)
        self.assertEqual(session["currency"], self.currency.name.lower())
        self.assertEqual(session["client_reference_id"], tx.reference)
        self.assertEqual(session["metadata"], {"reference": tx.reference})
        self.assertEqual(session["customer_email"], self.partner.email)
        self.assertEqual(session["locale"], "en")
        self.assertEqual(session["line_items_data"][0]["price_data"]["product_data"]["name"], invoice.name)
        self.assertEqual(self.stripe.requests[-1].headers["Stripe-Version"], "2026-10-28.endive")
        self.assertTrue(self.stripe.requests[-1].headers["Idempotency-Key"])
        page = self.opener.get(page_url)
        self.assertIn("1234.56", page.text, "the hosted page shows the amount")

        response = self.open_as_visitor(self._submit_card(page_url, CARD_SUCCESS).headers["Location"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(tx.state, "done", "the return route read the session back without waiting for the webhook")
        self.assertTrue(tx.stripe_checkout_payment_intent)

        self.deliver_callbacks()  # checkout.session.completed, after the return
        self.assertEqual(tx.state, "done")
        tx._post_process()
        tx._post_process()
        self.assertEqual(len(self._payments(tx)), 1)
        self.assertEqual(self._payments(tx).amount, 1234.56)
        self.assertIn(invoice.payment_state, ("in_payment", "paid"))

    def test_return_url_needs_its_access_token(self):
        tx = self._create_invoice_tx()
        self._pay_without_returning(tx)
        forged = self._return_url(tx).replace("access_token=", "access_token=x")
        self.assertEqual(self.open_as_visitor(forged).status_code, 403)
        self.assertEqual(tx.state, "draft", "a forged return URL changes nothing")

    def test_declined_card_shows_on_the_page_and_cancel_expires_the_session(self):
        tx = self._create_invoice_tx()
        page_url = self._start_checkout(tx)
        response = self._submit_card(page_url, CARD_DECLINED)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Your card was declined.", response.text)
        self.env.invalidate_all()
        self.assertEqual(tx.state, "draft")

        self.open_as_visitor(self._cancel_url(tx))  # The customer clicks « back » on the hosted page.
        self.assertEqual(tx.state, "cancel")
        self.assertEqual(self.stripe.sessions[tx.provider_reference]["status"], "expired")
        self.assertIn("no longer available", self.opener.get(page_url).text, "the left page cannot be paid")
        self.deliver_callbacks()  # checkout.session.expired
        self.assertEqual(tx.state, "cancel")
        self.assertFalse(self._payments(tx))

    def test_cancel_after_paying_in_another_tab_keeps_the_payment(self):
        tx = self._create_invoice_tx()
        self._pay_without_returning(tx)
        self.open_as_visitor(self._cancel_url(tx))  # The first tab's « back » link, clicked afterwards.
        self.assertEqual(tx.state, "done", "a paid session cannot be expired: Odoo reads it back instead")

    def test_async_success_is_pending_then_done(self):
        tx = self._create_invoice_tx()
        self._pay(tx, CARD_ASYNC_SUCCESS)
        self.assertEqual(tx.state, "pending")
        self.deliver_callbacks()  # checkout.session.completed, unpaid
        self.assertEqual(tx.state, "pending")
        self.stripe.settle_async_payments()
        self.deliver_callbacks()  # checkout.session.async_payment_succeeded
        self.assertEqual(tx.state, "done")
        tx._post_process()
        self.assertEqual(len(self._payments(tx)), 1)

    def test_async_failure_is_pending_then_error(self):
        tx = self._create_invoice_tx()
        self._pay(tx, CARD_ASYNC_FAILURE)
        self.assertEqual(tx.state, "pending")
        self.stripe.settle_async_payments()
        self.deliver_callbacks()  # completed (unpaid), then async_payment_failed
        self.assertEqual(tx.state, "error")
        self.assertIn("declined by the customer's bank", tx.state_message)
        tx._post_process()
        self.assertFalse(self._payments(tx))

    def test_expired_session_cancels_the_transaction(self):
        tx = self._create_invoice_tx()
        page_url = self._start_checkout(tx)
        self.stripe.expire(tx.provider_reference)  # The customer never came back.
        self.deliver_callbacks()
        self.assertEqual(tx.state, "cancel")
        self.assertIn("expired", tx.state_message)
        self.assertIn("no longer available", self.opener.get(page_url).text)

    def test_amount_mismatch_is_an_error_never_done(self):
        tx = self._create_invoice_tx()
        page_url = self._start_checkout(tx)
        self.stripe.sessions[tx.provider_reference]["amount_total"] = 100  # 1.00 paid instead of 1234.56
        self.open_as_visitor(self._submit_card(page_url).headers["Location"])
        self.assertEqual(tx.state, "error")
        self.assertIn("amount", tx.state_message)
        self.deliver_callbacks()  # checkout.session.completed, paid
        self.assertEqual(tx.state, "error", "a webhook does not turn a mismatch into a payment")
        tx._post_process()
        self.assertFalse(self._payments(tx))

    def test_currency_mismatch_is_an_error_never_done(self):
        tx = self._create_invoice_tx()
        page_url = self._start_checkout(tx)
        self.stripe.sessions[tx.provider_reference]["currency"] = "jpy"
        self.open_as_visitor(self._submit_card(page_url).headers["Location"])
        self.assertEqual(tx.state, "error")
        self.deliver_callbacks()
        self.assertEqual(tx.state, "error")


@tagged("post_install", "-at_install")
class TestStripeCheckoutFailures(StripeCheckoutCommon):
    def test_outage_tells_the_customer_records_the_error_and_allows_a_retry(self):
        self.stripe.outage = 503
        tx = self._create_invoice_tx()
        processing_values = tx._get_processing_values()
        # The payment form shows `state_message` in its error dialog and lets the customer try again.
        self.assertEqual(processing_values["state"], "error")
        self.assertIn("unavailable right now", processing_values["state_message"])
        self.assertEqual(tx.state, "error")
        self.assertEqual(len(self.stripe.requests), 3, "the SDK retried twice")

        self.stripe.outage = None
        retry_tx = self._create_invoice_tx(tx.invoice_ids)
        self._pay(retry_tx)
        self.assertEqual(retry_tx.state, "done")
        self.assertEqual(tx.state, "error")

    def test_timeout_records_the_error_and_creates_one_session(self):
        self.stripe.latency = 11  # More than the 10 s read timeout.
        sessions_before = len(self.stripe.sessions)
        tx = self._create_invoice_tx()
        processing_values = tx._get_processing_values()
        self.assertEqual(processing_values["state"], "error")
        self.assertIn("cannot be reached", processing_values["state_message"])
        self.assertEqual(len(self.stripe.requests), 3)
        self.assertEqual(len(self.stripe.sessions), sessions_before + 1, "the retries carried the same idempotency key")

    def test_return_during_an_outage_leaves_the_payment_to_the_webhook(self):
        tx = self._create_invoice_tx()
        location = self._submit_card(self._start_checkout(tx)).headers["Location"]
        self.stripe.outage = 500
        self.open_as_visitor(location)
        self.assertEqual(tx.state, "draft", "nothing is marked paid (nor failed) without Stripe's word")
        self.stripe.outage = None
        self.deliver_callbacks()
        self.assertEqual(tx.state, "done")

    def test_refused_api_key_is_reported(self):
        self.provider.stripe_checkout_secret_key = "sk_test_wrong"
        tx = self._create_invoice_tx()
        processing_values = tx._get_processing_values()
        self.assertEqual(processing_values["state"], "error")
        self.assertIn("Invalid API Key", processing_values["state_message"])
