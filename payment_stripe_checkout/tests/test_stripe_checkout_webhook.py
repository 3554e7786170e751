import json
import threading
import time

import requests
from fap_sandbox.stripe import CARD_ASYNC_FAILURE, CARD_ASYNC_SUCCESS, stripe_signature

from odoo.tests import tagged

from .common import StripeCheckoutCommon


@tagged("post_install", "-at_install")
class TestStripeCheckoutWebhook(StripeCheckoutCommon):
    def _paid_event(self, tx):
        """Pay without coming back; return the checkout.session.completed event, not delivered yet."""
        self.stripe.send_webhooks = False
        self._pay_without_returning(tx)
        [event] = self.stripe.find_events("checkout.session.completed")
        return event

    def test_valid_event_completes_the_payment(self):
        tx = self._create_invoice_tx()
        self._pay_without_returning(tx)
        [callback] = self.deliver_callbacks()
        self.assertEqual(callback.attempts, [(200, '{"received": true}')])
        self.assertEqual(tx.state, "done")

    def test_tampered_body_is_refused(self):
        tx = self._create_invoice_tx()
        event = self._paid_event(tx)
        signature = stripe_signature(self.stripe.webhook_secret, json.dumps(event))
        event["data"]["object"]["amount_total"] = 1
        response = self.post_event(event, signature=signature)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(tx.state, "draft")

    def test_stale_signature_is_refused(self):
        tx = self._create_invoice_tx()
        event = self._paid_event(tx)
        response = self.post_event(event, timestamp=time.time() - 600)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(tx.state, "draft")
        self.assertEqual(self.post_event(event).status_code, 200, "the same event signed now is accepted")
        self.assertEqual(tx.state, "done")

    def test_unsigned_or_wrongly_signed_event_is_refused(self):
        tx = self._create_invoice_tx()
        event = self._paid_event(tx)
        self.assertEqual(self.post_event(event, signature="").status_code, 403)
        wrong = stripe_signature("whsec_someone_else", json.dumps(event))
        self.assertEqual(self.post_event(event, signature=wrong).status_code, 403)
        self.assertEqual(tx.state, "draft")

    def test_missing_webhook_secret_refuses_every_event(self):
        tx = self._create_invoice_tx()
        event = self._paid_event(tx)
        # As on a neutralised database: the secret is gone, the provider is still in test mode.
        self.env.cr.execute(
            "UPDATE payment_provider SET stripe_checkout_webhook_secret = NULL WHERE code = 'stripe_checkout'"
        )
        self.env.invalidate_all()
        self.assertEqual(self.post_event(event).status_code, 403)
        self.assertEqual(tx.state, "draft")

    def test_duplicate_events_make_one_payment(self):
        tx = self._create_invoice_tx()
        event = self._paid_event(tx)
        for _i in range(3):
            self.assertEqual(self.post_event(event).status_code, 200)
        self.assertEqual(tx.state, "done")
        self.open_as_visitor(self._return_url(tx))  # The customer comes back after all.
        self.assertEqual(tx.state, "done")
        tx._post_process()
        tx._post_process()
        self.assertEqual(len(self._payments(tx)), 1)
        self.assertEqual(self._payments(tx).amount, tx.amount)

    def test_out_of_order_success_stays_done(self):
        tx = self._create_invoice_tx()
        self.stripe.send_webhooks = False
        self._pay_without_returning(tx, CARD_ASYNC_SUCCESS)
        self.stripe.settle_async_payments()
        completed, succeeded = self.stripe.events
        self.assertEqual(succeeded["type"], "checkout.session.async_payment_succeeded")
        self.post_event(succeeded)
        self.assertEqual(tx.state, "done")
        self.post_event(completed)  # Late: the session was completed unpaid.
        self.assertEqual(tx.state, "done")
        tx._post_process()
        self.assertEqual(len(self._payments(tx)), 1)

    def test_out_of_order_failure_stays_failed(self):
        tx = self._create_invoice_tx()
        self.stripe.send_webhooks = False
        self._pay_without_returning(tx, CARD_ASYNC_FAILURE)
        self.stripe.settle_async_payments()
        completed, failed = self.stripe.events
        self.post_event(failed)
        self.assertEqual(tx.state, "error")
        self.post_event(completed)
        self.assertEqual(tx.state, "error")
        tx._post_process()
        self.assertFalse(self._payments(tx))

    def test_webhook_racing_the_return_makes_one_payment(self):
        tx = self._create_invoice_tx()
        event = self._paid_event(tx)
        return_url = self._return_url(tx)
        body = json.dumps(event)
        signature = stripe_signature(self.stripe.webhook_secret, body)
        headers = {"Content-Type": "application/json", "Stripe-Signature": signature}
        answers = {}

        # Plain HTTP clients in two threads: the customer's browser and Stripe hit Odoo at once.
        def customer_returns():
            answers["return"] = requests.get(return_url, timeout=30)

        def stripe_posts():
            answers["webhook"] = requests.post(
                f"{self.base_url()}/payment/stripe_checkout/webhook", data=body, headers=headers, timeout=30
            )

        self.env.cr.flush()
        threads = [threading.Thread(target=customer_returns), threading.Thread(target=stripe_posts)]
        with self.allow_requests(all_requests=True):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.env.invalidate_all()
        self.assertEqual(answers["return"].status_code, 200)
        self.assertEqual(answers["webhook"].status_code, 200)
        self.assertEqual(tx.state, "done")
        tx._post_process()
        tx._post_process()
        self.assertEqual(len(self._payments(tx)), 1)
        self.assertIn(tx.invoice_ids.payment_state, ("in_payment", "paid"))

    def test_unhandled_or_unknown_events_are_acknowledged(self):
        tx = self._create_invoice_tx()
        event = self._paid_event(tx)
        other = dict(event, type="payment_intent.created")
        self.assertEqual(self.post_event(other).status_code, 200)
        stranger = json.loads(json.dumps(event))
        stranger["data"]["object"]["client_reference_id"] = "NOT-OURS"
        self.assertEqual(self.post_event(stranger).status_code, 200)
        self.assertEqual(tx.state, "draft")

    def test_one_stripe_account_for_two_companies(self):
        """Providers of two companies may share the account's webhook secret: each gets its events."""
        company = self.env["res.company"].create({"name": "Second company", "currency_id": self.currency.id})
        other = self.env["payment.provider"].search([("code", "=", "stripe_checkout"), ("company_id", "=", company.id)])
        other.write(
            {
                "stripe_checkout_secret_key": self.provider.stripe_checkout_secret_key,
                "stripe_checkout_webhook_secret": self.provider.stripe_checkout_webhook_secret,
                "state": "test",
            }
        )
        tx = self._create_transaction("redirect", provider_id=other.id, reference="SECOND-1", company_id=company.id)
        self._pay_without_returning(tx)
        self.deliver_callbacks()
        self.assertEqual(tx.state, "done")
