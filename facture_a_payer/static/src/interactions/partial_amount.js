import { patch } from "@web/core/utils/patch";
import { PaymentForm } from "@payment/interactions/payment_form";

/**
 * « Montant à payer » (#fap_partial_amount), on the invoice page when the company lets customers pay part of
 * an invoice: the transaction is for that amount. The server checks it again.
 */
patch(PaymentForm.prototype, {
    async submitForm(ev) {
        const input = document.querySelector("#fap_partial_amount");
        if (input && !input.reportValidity()) {
            ev.stopPropagation();
            ev.preventDefault();
            return;
        }
        return super.submitForm(...arguments);
    },

    _prepareTransactionRouteParams() {
        const params = super._prepareTransactionRouteParams(...arguments);
        const input = document.querySelector("#fap_partial_amount");
        if (input) {
            params.amount = parseFloat(input.value);
        }
        return params;
    },
});
