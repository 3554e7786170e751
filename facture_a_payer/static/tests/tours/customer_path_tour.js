import { registry } from "@web/core/registry";

// What a visitor by the link never sees: Odoo's chatter and its composer, the portal's breadcrumb, « Se connecter »,
// the promotion of Odoo's e-invoicing (« Connectez-vous à votre logiciel »), Odoo's placeholder logo.
const ODOO_PORTAL = [
    ".o_portal_chatter",
    ".o_portal_submenu",
    ".breadcrumb",
    "a[href='/web/login']",
    "#portal_connect_software_modal_btn",
    "img[src*='logo.png'][alt='Logo of YourCompany']",
].join(", ");

// The merchant's page around the document: its logo, its name in the page's title, the page's language.
function merchantPage(document_, lang) {
    return {
        content: `${document_}: the merchant's page, nothing of Odoo's portal around it`,
        trigger: `html[lang='${lang}'] body:not(:has(${ODOO_PORTAL})) .navbar-brand img[alt*='Plomberie Test inc.']`,
        run() {
            if (!document.title.includes("Plomberie Test inc.")) {
                throw new Error(`The page's title does not name the merchant: ${document.title}`);
            }
        },
    };
}

// From the link of a French customer's quote to its paid invoice, on a phone. The sandbox's hosted
// Checkout page is another origin, where tours cannot run: the Python test fills it in (see
// test_portal_tour.py); the tour resumes on Odoo's payment status page.
registry.category("web_tour.tours").add("facture_a_payer_customer_path", {
    steps: () => [
        {
            content: "The approval page shows the quote in French",
            trigger: "#fap_approval:contains(Montant total)",
        },
        merchantPage("The approval page", "fr-CA"),
        {
            content: "and a short history",
            trigger: "#fap_history:contains(Envoyée)",
        },
        {
            content: "Approve the quote",
            trigger: "#fap_approval button[name=fap_approve]:contains(Approuver)",
            run: "click",
            expectUnloadPage: true,
        },
        merchantPage("The invoice page", "fr-CA"),
        {
            content: "The invoice page offers to pay it",
            trigger: "#fap_invoice a[name=fap_pay]:contains(Payer la facture)",
            run: "click",
        },
        {
            content: "One choice, made on the secure payment page (card or pre-authorized debit): already selected",
            trigger:
                "#pay_with:not(:has([data-payment-method-code=acss_debit])) " +
                "input[name=o_payment_radio][data-provider-code=stripe_checkout]:checked",
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
        merchantPage("The paid invoice's page", "fr-CA"),
        {
            content: "its history says it is paid",
            trigger: "#fap_history:contains(Payé)",
        },
    ],
});

// An English customer pays part of an invoice (the company allows it, from 25 % of what is due): an amount below
// the minimum is not sent; 300 goes to the secure payment page, then the page shows what is left to pay.
registry.category("web_tour.tours").add("facture_a_payer_customer_partial", {
    steps: () => [
        {
            content: "Pay the invoice",
            trigger: "#fap_invoice a[name=fap_pay]",
            run: "click",
        },
        {
            content: "By card",
            trigger: "#pay_with input[name=o_payment_radio][data-payment-method-code=card]",
            run: "click",
        },
        {
            content: "Below the minimum",
            trigger: "#pay_with #fap_partial_amount",
            run: "edit 100",
        },
        {
            content: "is not sent",
            trigger: "#pay_with button[name=o_payment_submit_button]:enabled",
            run: "click",
        },
        {
            content: "the browser says why",
            trigger: "#pay_with #fap_partial_amount:invalid",
        },
        {
            content: "Part of the invoice",
            trigger: "#pay_with #fap_partial_amount",
            run: "edit 300",
        },
        {
            content: "Off to the secure payment page",
            trigger: "#pay_with button[name=o_payment_submit_button]:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back from the payment page: what was paid and what is left",
            trigger: "#fap_invoice [name=fap_amount_paid]:contains(300.00)",
        },
        {
            content: "the rest is due",
            trigger: "#fap_invoice [name=fap_amount_due]:contains(619.80)",
        },
    ],
});

// A French customer writes « 300,00 » (a decimal comma): it pays 300,00 $, not 30 000 $; a wrong amount is said in
// French, on the page.
registry.category("web_tour.tours").add("facture_a_payer_customer_partial_fr", {
    steps: () => [
        { content: "Payer la facture", trigger: "#fap_invoice a[name=fap_pay]", run: "click" },
        {
            content: "Par carte",
            trigger: "#pay_with input[name=o_payment_radio][data-payment-method-code=card]",
            run: "click",
        },
        { content: "What is due, written the French way", trigger: "#pay_with #fap_partial_amount:value(919,80)" },
        { content: "Below the minimum", trigger: "#pay_with #fap_partial_amount", run: "edit 100" },
        { trigger: "#pay_with button[name=o_payment_submit_button]:enabled", run: "click" },
        {
            content: "is refused, in French",
            trigger: "#pay_with #fap_partial_amount:invalid ~ #fap_partial_error:contains(Payez de 229,95)",
        },
        { content: "Not a number", trigger: "#pay_with #fap_partial_amount", run: "edit deux cents" },
        { trigger: "#pay_with button[name=o_payment_submit_button]:enabled", run: "click" },
        {
            content: "is refused, in French",
            trigger: "#pay_with #fap_partial_error:contains(Écrivez un montant en chiffres)",
        },
        { content: "With a decimal comma", trigger: "#pay_with #fap_partial_amount", run: "edit 300,00" },
        {
            content: "Off to the secure payment page",
            trigger: "#pay_with button[name=o_payment_submit_button]:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back from the payment page: 300,00 $ paid",
            trigger: "#fap_invoice [name=fap_amount_paid]:contains(300,00)",
        },
        { content: "the rest is due", trigger: "#fap_invoice [name=fap_amount_due]:contains(619,80)" },
    ],
});

// A French customer approves a quote asking a 30 % deposit: approving is paying it on the secure payment page;
// back on the deposit's invoice, the page says what was paid and what is left.
registry.category("web_tour.tours").add("facture_a_payer_customer_deposit", {
    steps: () => [
        {
            content: "The deposit is asked with the approval",
            trigger: "#fap_approval [name=fap_deposit_amount]:contains(275,94)",
        },
        {
            content: "Approve and pay the deposit",
            trigger: "#fap_approval a[name=fap_approve_pay]",
            run: "click",
        },
        {
            content: "By card",
            trigger: "#modalaccept input[name=o_payment_radio][data-payment-method-code=card]",
            run: "click",
        },
        {
            content: "Off to the secure payment page",
            trigger: "#modalaccept button[name=o_payment_submit_button]:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back: the deposit is paid",
            trigger: "#fap_invoice [name=fap_paid_badge]:contains(Payée)",
        },
        {
            content: "the quote's total, the deposit and the balance",
            trigger: "#fap_deposit_summary [name=fap_balance]:contains(643,86)",
        },
    ],
});
