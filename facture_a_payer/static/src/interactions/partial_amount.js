import { patch } from "@web/core/utils/patch";
import { PaymentForm } from "@payment/interactions/payment_form";

/**
 * The amount a customer writes, as they write it: « 200,00 » (French), « 200.00 », « 200 », « 1 234,56 »,
 * « 1,234.56 », « 200 $ ». NaN for anything else, and for more than two decimals.
 *
 * @param {string} text
 * @returns {number}
 */
export function parseAmount(text) {
    let value = String(text || "").replace(/[\s\u00a0\u202f$]/g, "");
    const comma = value.lastIndexOf(",");
    const point = value.lastIndexOf(".");
    if (comma >= 0 && point >= 0) {
        // Both: the last one is the decimal separator, the other one groups thousands.
        const [thousands, decimal] = comma > point ? [".", ","] : [",", "."];
        value = value.split(thousands).join("").replace(decimal, ".");
    } else if (comma >= 0) {
        value = value.replace(",", ".");
    }
    if (!/^\d+(\.\d{1,2})?$/.test(value)) {
        return NaN;
    }
    return Number(value);
}

/**
 * Check « Montant à payer » against the bounds the page gives, and say what is wrong in the page's language (the
 * messages come with the page: the browser's own ones are in the browser's language).
 *
 * @param {HTMLInputElement} input
 * @returns {number} the amount, NaN when it is wrong
 */
function checkAmount(input) {
    const amount = parseAmount(input.value);
    let message = "";
    if (Number.isNaN(amount)) {
        message = input.dataset.fapInvalid;
    } else if (amount < Number(input.dataset.fapMin) || amount > Number(input.dataset.fapMax)) {
        message = input.dataset.fapRange;
    }
    input.setCustomValidity(message);
    input.classList.toggle("is-invalid", Boolean(message));
    const feedback = document.querySelector("#fap_partial_error");
    if (feedback) {
        feedback.textContent = message;
    }
    return message ? NaN : amount;
}

/**
 * « Montant à payer » (#fap_partial_amount), on the invoice page when the company lets customers pay part of
 * an invoice: the transaction is for that amount. The server checks it again.
 */
patch(PaymentForm.prototype, {
    async submitForm(ev) {
        const input = document.querySelector("#fap_partial_amount");
        if (input && Number.isNaN(checkAmount(input))) {
            input.reportValidity();
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
            params.amount = parseAmount(input.value);
        }
        return params;
    },
});
