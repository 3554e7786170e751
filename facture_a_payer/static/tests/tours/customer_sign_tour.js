import { registry } from "@web/core/registry";

function fontsRequested() {
    return performance.getEntriesByType("resource").some((entry) => entry.name.includes("/web/sign/get_fonts"));
}

// A quote to sign: the page loads without the signature's fonts (1.3 MB); « Approuver » opens Odoo's signature
// form, which fetches them then; the signed quote leads to its invoice.
registry.category("web_tour.tours").add("facture_a_payer_customer_signs", {
    steps: () => [
        {
            content: "The signature form is ready in its closed dialog, its fonts not fetched",
            trigger: "#modalaccept owl-component > *:not(:visible)",
            run() {
                if (fontsRequested()) {
                    throw new Error("The page fetched the signature's fonts before the dialog opened");
                }
            },
        },
        {
            content: "Approve the quote",
            trigger: "#fap_approval a[name=fap_approve]:contains(Approuver)",
            run: "click",
        },
        {
            content: "The dialog draws the customer's name as the signature, with the fonts fetched now",
            trigger: "#modalaccept .o_web_sign_name_and_signature canvas",
            run() {
                if (!fontsRequested()) {
                    throw new Error("The signature form has no fonts");
                }
            },
        },
        {
            content: "Sign",
            trigger: "#modalaccept .o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Signed, the quote has become an invoice to pay",
            trigger: "#fap_invoice [name=fap_amount_due]",
        },
    ],
});
