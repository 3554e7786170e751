import threading
import time

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, api, sql_db
from odoo.orm.environments import Transaction
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestStripeCheckoutConcurrency(TransactionCase):
    """Two real database transactions process the same payment at once (a webhook and the customer's
    return), as Odoo's HTTP workers would: not through the test cursor, which serialises requests."""

    def _connection(self):
        return sql_db.db_connect(self.env.cr.dbname)

    def _committed_transaction(self):
        with self._connection().cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            provider = env.ref("payment_stripe_checkout.payment_provider_stripe_checkout")
            tx = env["payment.transaction"].create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": env.ref("payment.payment_method_card").id,
                    "reference": f"CONCURRENCY-{time.time_ns()}",
                    "amount": 50.0,
                    "currency_id": provider.company_id.currency_id.id,
                    "partner_id": env.ref("base.partner_admin").id,
                    "operation": "online_redirect",
                    "provider_reference": "cs_test_concurrency",
                }
            )
            values = (tx.id, tx.reference, provider.company_id.currency_id.name.lower())
        self.addCleanup(self._delete_transaction, values[0])
        return values

    def _delete_transaction(self, tx_id):
        with self._connection().cursor() as cr:
            cr.execute("DELETE FROM payment_transaction WHERE id = %s", [tx_id])

    def test_webhook_and_return_at_once_make_one_state_change(self):
        tx_id, reference, currency = self._committed_transaction()
        session = {
            "id": "cs_test_concurrency",
            "object": "checkout.session",
            "status": "complete",
            "payment_status": "paid",
            "amount_total": 5000,
            "currency": currency,
            "payment_intent": "pi_concurrency",
        }
        barrier = threading.Barrier(2)
        attempts = {"webhook": [], "return": []}

        def process(name):
            # What each HTTP worker runs, retried on a serialization failure as Odoo's dispatcher does.
            while True:
                try:
                    with self._connection().cursor() as cr:  # Committed on leaving the block.
                        # The test's registry, not Registry(dbname): Odoo's own runner holds the registries' lock
                        # while it runs the tests, and this thread would wait for it forever.
                        cr.transaction = Transaction(self.registry)
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        tx = env["payment.transaction"].browse(tx_id)
                        tx.mapped("state")  # The snapshot of this transaction is taken here.
                        if not attempts[name]:
                            barrier.wait(timeout=10)
                        tx._stripe_checkout_lock()
                        state_before = tx.state
                        tx._process("stripe_checkout", {"reference": reference, "session": session})
                        time.sleep(0.5)  # Hold the lock a while, as a slow request would.
                        state_after = tx.state
                except SerializationFailure:
                    attempts[name].append("serialization failure")
                    continue
                attempts[name].append(f"{state_before} -> {state_after}")
                return

        threads = [threading.Thread(target=process, args=(name,)) for name in attempts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        outcomes = sorted(attempts.values(), key=len)
        self.assertEqual(outcomes[0], ["draft -> done"], "one processing did the state change")
        self.assertEqual(
            outcomes[1],
            ["serialization failure", "done -> done"],
            "the other waited for the lock, was retried, and found the payment done",
        )
        with self._connection().cursor() as cr:
            cr.execute("SELECT state, stripe_checkout_payment_intent FROM payment_transaction WHERE id = %s", [tx_id])
            self.assertEqual(cr.fetchone(), ("done", "pi_concurrency"))
