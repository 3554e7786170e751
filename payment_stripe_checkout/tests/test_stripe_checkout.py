from fap_sandbox.stripe import CARD_SUCCESS

from odoo.tests import tagged

from .common import StripeCheckoutCommon


@tagged("post_install", "-at_install")
class TestStripeCheckoutPayment(StripeCheckoutCommon):
    def test_full_payment_marks_the_invoice_paid_once(self):
        invoice = self._create_invoice()
        tx = self._create_invoice_tx(invoice)
        response = self._pay(tx, CARD_SUCCESS)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(tx.state, "done")
        session = self.stripe.sessions[tx.provider_reference]
        self.assertEqual(session["amount_total"], 123456)
        self.assertEqual(session["client_reference_id"], tx.reference)
        self.assertEqual(session["line_items_data"][0]["price_data"]["product_data"]["name"], invoice.name)
        tx._post_process()
        self.assertTrue(tx.payment_id)
        self.assertIn(invoice.payment_state, ("in_payment", "paid"))
