from psycopg2 import IntegrityError

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import StripeCheckoutCommon


@tagged("post_install", "-at_install")
class TestStripeCheckoutRefund(StripeCheckoutCommon):
    def _paid_tx(self):
        tx = self._create_invoice_tx()
        self._pay(tx)
        self.deliver_callbacks()
        tx._post_process()
        self.assertEqual(tx.state, "done")
        return tx

    def _refund_from_odoo(self, tx, amount):
        """The accountant's « Refund » button on the payment, through Odoo's refund wizard."""
        wizard = (
            self.env["payment.refund.wizard"]
            .with_context(active_model="account.payment", active_id=tx.payment_id.id)
            .create({"amount_to_refund": amount})
        )
        wizard.action_refund()
        refund_tx = tx.child_transaction_ids.sorted("id")[-1]
        refund_tx._post_process()
        return refund_tx

    def test_partial_then_full_refund_in_the_books(self):
        tx = self._paid_tx()
        charge = self.stripe.charges[self.stripe.payment_intents[tx.stripe_checkout_payment_intent]["latest_charge"]]

        partial = self._refund_from_odoo(tx, 234.56)
        self.assertEqual(partial.state, "done")
        self.assertEqual(partial.amount, -234.56)
        self.assertEqual(partial.provider_reference, partial.stripe_checkout_refund_id)
        self.assertEqual(charge["amount_refunded"], 23456)
        self.assertEqual(partial.payment_id.payment_type, "outbound")
        self.assertEqual(partial.payment_id.amount, 234.56)

        self.deliver_callbacks()  # charge.refunded for the refund Odoo made: nothing new.
        self.assertEqual(len(tx.child_transaction_ids), 1)

        rest = self._refund_from_odoo(tx, 1000.00)
        self.assertEqual(rest.state, "done")
        self.deliver_callbacks()
        self.assertTrue(charge["refunded"])
        refunds = tx.child_transaction_ids
        self.assertEqual(len(refunds), 2)
        self.assertEqual(sum(refunds.payment_id.mapped("amount")), 1234.56)
        self.assertEqual(tx.payment_id.amount_available_for_refund, 0)

    def test_refund_made_in_stripe_is_recorded_once(self):
        tx = self._paid_tx()
        self.stripe.refund(tx.stripe_checkout_payment_intent, 10000)  # From Stripe's dashboard.
        self.deliver_callbacks()
        [refund_tx] = tx.child_transaction_ids
        self.assertEqual(refund_tx.state, "done")
        self.assertEqual(refund_tx.amount, -100.00)
        [event] = self.stripe.find_events("charge.refunded")
        self.post_event(event)
        self.post_event(event)
        self.assertEqual(len(tx.child_transaction_ids), 1, "a duplicate event does not refund twice")
        refund_tx._post_process()
        self.assertEqual(refund_tx.payment_id.amount, 100.00)

    def test_refund_refused_by_stripe_is_an_error(self):
        tx = self._paid_tx()
        self.stripe.send_webhooks = False
        self.stripe.refund(tx.stripe_checkout_payment_intent)  # All of it, in Stripe, not yet known to Odoo.
        refund_tx = self._refund_from_odoo(tx, 100.00)
        self.assertEqual(refund_tx.state, "error")
        self.assertIn("already been refunded", refund_tx.state_message)
        self.assertFalse(refund_tx.payment_id)

    def test_refund_event_during_an_outage_asks_stripe_to_retry(self):
        tx = self._paid_tx()
        self.stripe.send_webhooks = False
        self.stripe.refund(tx.stripe_checkout_payment_intent, 5000)
        [event] = self.stripe.find_events("charge.refunded")
        self.stripe.outage = 503  # Odoo cannot list the refunds of the payment.
        self.assertEqual(self.post_event(event).status_code, 503, "Stripe sends the event again later")
        self.assertFalse(tx.child_transaction_ids)
        self.stripe.outage = None
        self.assertEqual(self.post_event(event).status_code, 200)
        self.assertEqual(tx.child_transaction_ids.amount, -50.00)

    def test_refund_whose_answer_is_lost_is_confirmed_by_the_event(self):
        tx = self._paid_tx()
        self.stripe.latency = 11  # Stripe refunds, but its answers come after the 10 s timeout.
        refund_tx = self._refund_from_odoo(tx, 100.00)
        self.assertEqual(refund_tx.state, "pending", "the outcome is unknown: neither done nor failed")
        self.assertIn("cannot be reached", refund_tx.state_message)
        self.stripe.latency = 0
        self.assertEqual(len(self.stripe.refunds), 1, "the retries carried the same idempotency key")
        self.deliver_callbacks()  # charge.refunded
        self.assertEqual(refund_tx.state, "done")
        self.assertEqual(len(tx.child_transaction_ids), 1)
        refund_tx._post_process()
        self.assertEqual(refund_tx.payment_id.amount, 100.00)

    def test_a_stripe_refund_is_recorded_once_by_the_database(self):
        tx = self._paid_tx()
        first = self._refund_from_odoo(tx, 10.00)
        second = tx._create_child_transaction(10.00, is_refund=True)
        # Two requests recording the same refund at once: the second one fails, and Stripe sends again.
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            second.stripe_checkout_refund_id = first.stripe_checkout_refund_id
            second.flush_recordset()

    def test_refund_failing_afterwards_is_an_error(self):
        tx = self._paid_tx()
        refund_tx = self._refund_from_odoo(tx, 50.00)
        self.deliver_callbacks()
        self.assertEqual(refund_tx.state, "done")
        self.stripe.fail_refund(refund_tx.stripe_checkout_refund_id)  # The customer's card was closed.
        self.deliver_callbacks()  # charge.refund.updated
        self.assertEqual(refund_tx.state, "error")
        self.assertIn("did not go through", refund_tx.state_message)
        self.assertEqual(tx.state, "done")
