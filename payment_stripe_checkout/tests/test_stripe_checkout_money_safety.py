import json
import logging

from odoo.tests import tagged

from .common import StripeCheckoutCommon

EXPIRE = r"/v1/checkout/sessions/\w+/expire"
RETRIEVE = r"/v1/checkout/sessions/\w+"


@tagged("post_install", "-at_install")
class TestStripeCheckoutMoneySafety(StripeCheckoutCommon):
    """One document, one open payment page; Stripe's records settle what an event got wrong."""

    def _open_sessions(self):
        return [s for s in self.stripe.sessions.values() if s["status"] == "open"]

    def _stripe_unreachable_for_closing(self):
        # The SDK tries each call three times (two retries): both ways of closing a page fail.
        self.stripe.fail("POST", EXPIRE, 503, times=3)
        self.stripe.fail("GET", RETRIEVE, 503, times=3)

    def test_a_second_payment_page_of_an_invoice_expires_the_first(self):
        invoice = self._create_invoice()
        first = self._create_invoice_tx(invoice)
        first_page = self._start_checkout(first)
        second = self._create_invoice_tx(invoice)
        self._start_checkout(second)
        self.assertEqual(len(self._open_sessions()), 1, "the Back button or a second tab leaves one payable page")
        self.assertEqual(self.stripe.sessions[first.provider_reference]["status"], "expired")
        self.assertEqual(first.state, "cancel")
        self.assertEqual(second.state, "draft")
        answer = self._submit_card(first_page)
        self.assertNotEqual(answer.status_code, 303, "the expired page takes no money")
        self.assertFalse(self.stripe.charges)

    def test_a_page_paid_meanwhile_stops_the_next_one(self):
        invoice = self._create_invoice()
        first = self._create_invoice_tx(invoice)
        self.stripe.send_webhooks = False
        self._pay_without_returning(first)
        second = self._create_invoice_tx(invoice)
        second._get_processing_values()
        self.assertEqual(first.state, "done", "the paid page is read back from Stripe")
        self.assertEqual(second.state, "error")
        self.assertIn("already made", second.state_message)
        self.assertFalse(second.provider_reference, "no second page was opened")
        self.assertEqual(len(self.stripe.sessions), 1)

    def test_paying_one_page_expires_the_others_left_open(self):
        invoice = self._create_invoice()
        first = self._create_invoice_tx(invoice)
        self._start_checkout(first)
        self._stripe_unreachable_for_closing()
        second = self._create_invoice_tx(invoice)
        self._pay(second)
        self.assertEqual(second.state, "done")
        self.assertEqual(self.stripe.sessions[first.provider_reference]["status"], "expired")
        self.assertEqual(first.state, "cancel")
        self.assertFalse(self._open_sessions())

    def test_a_signed_event_with_a_wrong_amount_does_not_hide_the_genuine_payment(self):
        tx = self._create_invoice_tx()
        self.stripe.send_webhooks = False
        self._pay_without_returning(tx)
        [event] = self.stripe.find_events("checkout.session.completed")
        forged = json.loads(json.dumps(event))
        forged["data"]["object"]["amount_total"] = 1
        # Signed with the real secret (a leaked secret, a bug at Stripe): only Stripe's records count.
        self.assertEqual(self.post_event(forged).status_code, 200)
        self.assertEqual(tx.state, "done")
        tx._post_process()
        self.assertEqual(self._payments(tx).amount, tx.amount)

    def test_a_transaction_in_error_is_settled_by_the_genuine_payment(self):
        invoice = self._create_invoice()
        tx = self._create_invoice_tx(invoice)
        self.stripe.send_webhooks = False
        self._pay_without_returning(tx)
        # What an earlier event with a wrong amount left behind.
        tx._set_error("The amount from the payment data doesn't match the one from the transaction.")
        [event] = self.stripe.find_events("checkout.session.completed")
        self.assertEqual(self.post_event(event).status_code, 200)
        self.assertEqual(tx.state, "done")
        self.assertIn("settled again from Stripe", " ".join(invoice.message_ids.mapped("body")))
        tx._post_process()
        self.assertEqual(len(self._payments(tx)), 1)
        self.assertIn(invoice.payment_state, ("in_payment", "paid"))

    def test_a_return_after_an_error_settles_the_payment_too(self):
        tx = self._create_invoice_tx()
        self.stripe.send_webhooks = False
        return_url = self._pay_without_returning(tx)
        tx._set_error("The amount from the payment data doesn't match the one from the transaction.")
        self.open_as_visitor(return_url)
        self.assertEqual(tx.state, "done")

    def test_a_payment_of_another_amount_is_never_done_and_is_shown_on_the_invoice(self):
        invoice = self._create_invoice()
        tx = self._create_invoice_tx(invoice)
        self.stripe.send_webhooks = False
        return_url = self._pay_without_returning(tx)
        self.stripe.sessions[tx.provider_reference]["amount_total"] = 100  # $1.00 paid for $1,234.56
        self.open_as_visitor(return_url)
        self.assertEqual(tx.state, "error")
        [event] = self.stripe.find_events("checkout.session.completed")
        self.post_event(event)
        self.assertEqual(tx.state, "error", "Stripe's records still say another amount")
        tx._post_process()
        self.assertFalse(self._payments(tx))
        self.assertEqual(invoice.payment_state, "not_paid")
        notes = " ".join(invoice.message_ids.mapped("body"))
        self.assertIn("was not recorded", notes)

    def test_malformed_signed_events_are_refused_with_400(self):
        tx = self._create_invoice_tx()
        self.stripe.send_webhooks = False
        self._pay_without_returning(tx)
        [event] = self.stripe.find_events("checkout.session.completed")
        malformed = [
            {k: v for k, v in event.items() if k != "id"},
            {k: v for k, v in event.items() if k != "type"},
            {k: v for k, v in event.items() if k != "data"},
            dict(event, data={}),
            dict(event, data={"object": "cs_test_not_an_object"}),
            dict(event, data={"object": ["not", "a", "dict"]}),
            dict(event, id=["evt"]),
        ]
        for body in malformed:
            with self.subTest(keys=sorted(body)):
                self.assertEqual(self.post_event(body).status_code, 400)
        for raw in ("[1, 2]", "not json", '"a string"'):
            with self.subTest(raw=raw):
                self.assertEqual(self.post_event(None, body=raw).status_code, 400)
        self.assertEqual(tx.state, "draft")
        self.assertEqual(self.post_event(event).status_code, 200, "the well-formed event still goes through")
        self.assertEqual(tx.state, "done")

    def test_a_body_that_is_not_utf8_is_refused_with_400(self):
        tx = self._create_invoice_tx()
        self.stripe.send_webhooks = False
        self._pay_without_returning(tx)
        [event] = self.stripe.find_events("checkout.session.completed")
        for body in (b"\xff\xfe not utf-8", json.dumps(event).encode()[:-1] + b"\xe9}"):
            with self.subTest(body=body[:20]):
                self.assertEqual(self.post_event(None, body=body, signature="t=1,v1=00").status_code, 400)
        self.assertEqual(tx.state, "draft")

    def test_a_return_or_cancel_url_with_a_non_ascii_token_is_refused_with_403(self):
        tx = self._create_invoice_tx()
        return_url = self._pay_without_returning(tx)
        for url in (return_url, self._cancel_url(tx)):
            with self.subTest(url=url.split("?")[0]):
                forged = url.replace("access_token=", "access_token=%C3%A9")
                self.assertEqual(self.open_as_visitor(forged).status_code, 403)
        self.assertEqual(tx.state, "draft", "a forged URL changes nothing")

    def test_the_webhook_log_holds_no_personal_data(self):
        tx = self._create_invoice_tx()
        self.partner.email = "elise.private@example.com"
        tx.partner_email = self.partner.email
        self.stripe.send_webhooks = False
        self._pay_without_returning(tx)
        [event] = self.stripe.find_events("checkout.session.completed")
        self.assertIn("elise.private@example.com", json.dumps(event), "the event does carry the email")
        # A number, not "INFO": Odoo names its level 25 "INFO" too.
        with self.assertLogs("odoo.addons.payment_stripe_checkout", level=logging.INFO) as logs:
            self.post_event(event)
        logs = logs.output
        self.assertEqual(tx.state, "done")
        self.assertTrue(any(event["id"] in line for line in logs))
        self.assertNotIn("elise.private@example.com", "\n".join(logs))
