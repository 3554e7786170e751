import copy
from unittest.mock import patch

import stripe
from fap_sandbox import contracts
from fap_sandbox import stripe as sandbox_stripe
from fap_sandbox.stripe import BANK_SUCCESS, CARD_ASYNC_FAILURE

from odoo.tests import tagged

from odoo.addons.payment_stripe_checkout import const
from odoo.addons.payment_stripe_checkout.models.payment_transaction import PaymentTransaction

from .common import StripeCheckoutCommon

# Every call the product makes, as Stripe's description names them: the flows below must make each one.
PRODUCT_CALLS = {
    ("POST", "/v1/checkout/sessions"),
    ("GET", "/v1/checkout/sessions/{session}"),
    ("POST", "/v1/checkout/sessions/{session}/expire"),
    ("POST", "/v1/refunds"),
    ("GET", "/v1/refunds"),
}


@tagged("post_install", "-at_install")
class TestStripeContracts(StripeCheckoutCommon):
    """The sandbox's Stripe held to Stripe's description of its API (``fap_sandbox.contracts``): what the product
    sends through the real SDK, what the sandbox answers and the events it posts."""

    def _refund_from_odoo(self, tx, amount):
        wizard = (
            self.env["payment.refund.wizard"]
            .with_context(active_model="account.payment", active_id=tx.payment_id.id)
            .create({"amount_to_refund": amount})
        )
        wizard.action_refund()
        refund_tx = tx.child_transaction_ids.sorted("id")[-1]
        refund_tx._post_process()
        return refund_tx

    def _calls(self):
        return {
            (r.method, contracts.operation("stripe", r.method, r.path[len("/stripe") :])) for r in self.stripe.requests
        }

    def test_the_contract_is_stripes_description_of_the_api_version_the_product_pins(self):
        source = contracts.load("stripe")["x-source"]
        self.assertEqual(const.API_VERSION, source["api_version"])
        self.assertEqual(stripe.api_version, const.API_VERSION, "the SDK pinned in requirements.txt")
        self.assertEqual(source["sdk"], f"stripe=={stripe.VERSION} (PyPI)")
        self.assertEqual(sandbox_stripe.API_VERSION, const.API_VERSION, "the sandbox's events")
        tx = self._create_invoice_tx()
        self._pay(tx)
        self.assertEqual({request.headers["Stripe-Version"] for request in self.stripe.requests}, {const.API_VERSION})
        self.assertEqual({event["api_version"] for event in self.stripe.events}, {const.API_VERSION})

    def test_every_call_of_a_payment_its_refunds_and_its_events_keeps_stripes_contract(self):
        # A card payment, back on Odoo's return page, its events; two refunds made in Odoo and one in Stripe's
        # dashboard, then failing; a page abandoned (expired); an asynchronous failure; a pre-authorized debit.
        tx = self._create_invoice_tx()
        self._pay(tx)
        self.deliver_callbacks()
        tx._post_process()
        self.assertEqual(tx.state, "done")
        self._refund_from_odoo(tx, 234.56)
        self.deliver_callbacks()
        refund = self.stripe.refund(tx.stripe_checkout_payment_intent, 10000)
        self.deliver_callbacks()
        self.stripe.fail_refund(refund["id"])
        self.deliver_callbacks()

        abandoned = self._create_invoice_tx()
        self._start_checkout(abandoned)
        self.open_as_visitor(self._cancel_url(abandoned))
        self.assertEqual(abandoned.state, "cancel")

        failing = self._create_invoice_tx()
        self._pay(failing, CARD_ASYNC_FAILURE)
        self.stripe.settle_async_payments()
        self.deliver_callbacks()
        self.assertEqual(failing.state, "error")

        cad = self.env.ref("base.CAD")
        cad.active = True
        pad = self._create_transaction(
            "redirect",
            reference="PAD-CONTRACT",
            currency_id=cad.id,
            payment_method_id=self.env.ref("payment_stripe_checkout.payment_method_acss_debit").id,
        )
        self._start_checkout(pad)
        self.stripe.pay(pad.provider_reference, bank_account=BANK_SUCCESS)
        self.stripe.settle_async_payments()
        self.deliver_callbacks()
        self.assertEqual(pad.state, "done")
        self.assertEqual(self.stripe.sessions[pad.provider_reference]["payment_method_types"], ["acss_debit"])

        self.assertEqual(self.stripe.contract_violations, [])
        self.assertLessEqual(PRODUCT_CALLS, self._calls())
        self.assertLessEqual(
            {
                "checkout.session.completed",
                "checkout.session.async_payment_succeeded",
                "checkout.session.async_payment_failed",
                "checkout.session.expired",
                "charge.refunded",
                "charge.refund.updated",
            },
            {event["type"] for event in self.stripe.events},
        )

    def test_a_parameter_stripe_does_not_describe_breaks_the_contract(self):
        prepare = PaymentTransaction._stripe_checkout_prepare_session_params

        def misspelled(tx):
            return dict(prepare(tx), paymentmethod_types=["card"])

        with patch.object(PaymentTransaction, "_stripe_checkout_prepare_session_params", misspelled):
            self._start_checkout(self._create_invoice_tx())
        self.assertEqual(
            self.stripe.contract_violations,
            ["POST /v1/checkout/sessions paymentmethod_types: not in the API description"],
        )
        self.stripe.contract_violations.clear()

    def test_a_mistyped_parameter_or_value_breaks_the_contract(self):
        params = {
            "mode": "payment",
            "line_items": [{"price_data": {"currency": "cad", "unit_amount": "12.34"}, "quantity": "1"}],
            "locale": "fr-FR",
            "expires_at": "tomorrow",
        }
        self.assertEqual(
            contracts.check_stripe_request("POST", "/v1/checkout/sessions", params),
            [
                "POST /v1/checkout/sessions line_items[0].price_data.unit_amount: str '12.34', expected integer",
                "POST /v1/checkout/sessions locale: 'fr-FR' is not one of "
                + str(
                    contracts.load("stripe")["paths"]["/v1/checkout/sessions"]["post"]["parameters"]["properties"][
                        "locale"
                    ]["enum"][:20]
                ),
                "POST /v1/checkout/sessions expires_at: str 'tomorrow', expected integer",
            ],
        )

    def test_a_sandbox_object_missing_a_field_or_with_an_unknown_value_breaks_the_contract(self):
        tx = self._create_invoice_tx()
        self._pay(tx)
        session = self.stripe._session_resource(
            self.stripe.sessions[tx.provider_reference], ["payment_intent", "payment_intent.latest_charge"]
        )
        path = f"/v1/checkout/sessions/{session['id']}"
        self.assertEqual(contracts.check_stripe_response("GET", path, 200, session), [])
        broken = copy.deepcopy(session)
        del broken["payment_status"]
        broken["status"] = "paid"
        broken["payment_intent"]["latest_charge"]["payment_method_details"]["type"] = "credit_card"
        broken["payment_intent"]["method_details"] = {}
        errors = contracts.check_stripe_response("GET", path, 200, broken)
        self.assertIn("GET /v1/checkout/sessions/{session} answer: payment_status: required, missing", errors)
        self.assertIn(
            "GET /v1/checkout/sessions/{session} answer: status: 'paid' is not one of ['complete', 'expired', 'open']",
            errors,
        )
        self.assertTrue(any("payment_method_details.type: 'credit_card' is not one of" in e for e in errors), errors)
        self.assertTrue(any("payment_intent.method_details: not in the API description" in e for e in errors), errors)
        event = copy.deepcopy(self.stripe.events[0])
        event["api_version"] = "2025-03-31.basil"
        self.assertEqual(
            contracts.check_stripe_event(event),
            ["event.api_version: '2025-03-31.basil', not '2026-10-28.endive'"],
        )
