import { registry } from "@web/core/registry";

// From the link of a French customer's quote to its paid invoice, on a phone. The sandbox's hosted
// Checkout page is another origin, where tours cannot run: the Python test fills it in (see
// test_portal_tour.py); the tour resumes on Odoo's payment status page.
registry.category("web_tour.tours").add("facture_a_payer_customer_path", {
    steps: () => [
        {
            content: "The approval page shows the quote in French",
            trigger: "#fap_approval:contains(Montant total)",
        },
        {
            content: "Approve the quote",
            trigger: "#fap_approval button[name=fap_approve]:contains(Approuver)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The invoice page offers to pay it",
            trigger: "#fap_invoice a[name=fap_pay]:contains(Payer la facture)",
            run: "click",
        },
        {
            content: "Pay with Stripe Checkout: off to the secure payment page",
            trigger: "#pay_with button[name=o_payment_submit_button]:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back from the payment page, the invoice is paid",
            trigger: "#fap_invoice [name=fap_paid_badge]:contains(Payée)",
        },
        {
            content: "and its receipt is shown",
            trigger: "#fap_receipt:contains(Reçu)",
        },
    ],
});
