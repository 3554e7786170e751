import { registry } from "@web/core/registry";

/**
 * The customer pays an invoice from its portal page with Stripe Checkout. Between the two halves,
 * the browser is on the sandbox's hosted page (another origin, where no tour runs): the Python test
 * types the card there as the customer, then the tour resumes on the invoice, paid.
 */
registry.category("web_tour.tours").add("payment_stripe_checkout_pay_invoice", {
    steps: () => [
        {
            content: "Open the payment dialog of the invoice",
            trigger: "a[data-bs-target='#pay_with']:visible",
            run: "click",
        },
        {
            content: "Choose Stripe Checkout (its radio is hidden when it is the only option)",
            trigger: "#pay_with input[name='o_payment_radio'][data-provider-code='stripe_checkout']:not(:visible)",
            run() {
                if (!this.anchor.checked) {
                    this.anchor.click();
                }
            },
        },
        {
            content: "Pay: Odoo creates the Checkout Session and redirects to the hosted page",
            trigger: "#pay_with button[name='o_payment_submit_button']:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back from the hosted page, the invoice is paid",
            trigger: ".text-bg-success:contains(Paid)",
        },
    ],
});
