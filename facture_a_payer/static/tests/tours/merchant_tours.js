import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

// The merchant's screens, played at a phone's size (375 × 667, touch) by tests/test_merchant_*.py.
// The records come from the Python test: customer « Plomberie Laval », products « FAP Chauffe-eau 40 gal »
// and « FAP Heure de travail », quotes named in the test.

const tours = registry.category("web_tour.tours");

/**
 * A tap of the merchant: a click or an edit (typing in a field counts as one tap), counted by ``counter``.
 */
function tap(counter, trigger, action = "click", extra = {}) {
    return {
        trigger,
        ...extra,
        run(helpers) {
            counter.taps++;
            const [name, ...args] = action.split(" ");
            return helpers[name](args.join(" "));
        },
    };
}

// The test reads the count back from a system parameter (the browser's console is not logged at INFO).
function reportTaps(counter, key) {
    return {
        content: "Report the taps to the test",
        trigger: "body",
        async run() {
            await rpc("/web/dataset/call_kw/ir.config_parameter/set_param", {
                model: "ir.config_parameter",
                method: "set_param",
                args: [`facture_a_payer.test_taps.${key}`, String(counter.taps)],
                kwargs: {},
            });
        },
    };
}

// On a phone the search bar hides behind a magnifier: open it, type the keyword, search.
function searchFor(counter, scope, keyword) {
    return [
        tap(counter, `${scope} button:has(> .fa-search)`),
        tap(counter, `${scope} .o_searchview_input`, `edit ${keyword}`),
        tap(counter, `${scope} .o_searchview_input`, "press Enter"),
    ];
}

// On a phone, Odoo opens a many2one as a full-screen « Search » dialog: search, tap the card.
function pickCustomer(counter, name) {
    return [
        tap(counter, ".o_field_widget[name=partner_id] input"),
        ...searchFor(counter, ".modal", name),
        tap(counter, `.modal .o_kanban_record:contains(${name})`),
    ];
}

tours.add("fap_merchant_quote_send", {
    url: "/odoo/fap-quotes",
    steps: () => {
        const counter = { taps: 0 };
        return [
            { content: "« Soumissions » shows the quotes as cards", trigger: ".o_fap_kanban" },
            tap(counter, ".o-kanban-button-new"),
            { content: "« Nouvelle soumission »", trigger: ".o_fap_quote_form" },
            ...pickCustomer(counter, "Plomberie Laval"),
            tap(counter, ".o_field_widget[name=order_line] button[name=action_add_from_catalog]"),
            tap(counter, ".o_kanban_record:contains(FAP Chauffe-eau 40 gal)"),
            {
                content: "The first product is on the quote",
                trigger: ".o_kanban_record.o_product_added:contains(FAP Chauffe-eau 40 gal)",
            },
            tap(counter, ".o_kanban_record:contains(FAP Heure de travail)"),
            {
                content: "The second product is on the quote",
                trigger: ".o_kanban_record.o_product_added:contains(FAP Heure de travail)",
            },
            tap(counter, ".o-kanban-button-back"),
            {
                content: "The running total with the taxes is in sight",
                trigger: ".o_fap_total_bar .o_fap_total_amount:contains(1,034.78)",
            },
            tap(counter, ".o_fap_total_bar button[name=action_fap_review]"),
            { content: "« Réviser la soumission »", trigger: ".o_fap_review:contains(Plomberie Laval)" },
            { trigger: ".o_fap_review button[name=action_fap_preview]" },
            { trigger: ".o_fap_review button[name=action_fap_preview_pdf]" },
            { trigger: ".o_fap_review button[name=action_fap_details]" },
            { trigger: ".o_fap_review button[name=action_fap_pay_now]" },
            tap(counter, ".o_fap_review button[name=action_fap_send_and_details]"),
            {
                content: "The sending's notice",
                trigger: ".o_notification:contains(Plomberie Laval)",
            },
            {
                content: "« Détails de la soumission »: the quote is sent",
                trigger: ".o_fap_details .o_fap_status:contains(Sent)",
            },
            reportTaps(counter, "quote_sent"),
            tap(counter, ".o_fap_details button.o_fap_close"),
            {
                content: "Back home: the sent quote's card",
                trigger: ".o_fap_kanban .o_kanban_record:contains(Plomberie Laval):contains(Sent)",
            },
            ...searchFor(counter, ".o_action_manager", "Laval"),
            {
                content: "The search by customer keeps only their quotes",
                trigger: ".o_fap_kanban:not(:has(.o_kanban_record:not(.o_kanban_ghost):not(:contains(Plomberie Laval))))",
            },
        ];
    },
});

tours.add("fap_merchant_new_customer_product", {
    url: "/odoo/fap-quotes",
    steps: () => {
        const counter = { taps: 0 };
        return [
            tap(counter, ".o-kanban-button-new"),
            tap(counter, ".o_field_widget[name=partner_id] input"),
            tap(counter, ".modal .o_create_button"),
            {
                content: "A short form for the new customer",
                trigger: ".modal .o_fap_partner_quick",
            },
            tap(counter, ".modal .o_field_widget[name=name] input", "edit Boulangerie Saint-Roch"),
            tap(counter, ".modal .o_field_widget[name=email] input", "edit bonjour.boulangerie"),
            tap(counter, ".modal .o_field_widget[name=phone] input", "edit 418 555 0199"),
            tap(counter, ".modal .o_form_button_save"),
            {
                content: "A wrong email is refused on save",
                trigger: ".modal:contains(is not valid)",
            },
            tap(counter, ".modal:contains(is not valid) .btn-primary"),
            tap(counter, ".modal .o_field_widget[name=email] input", "edit bonjour@boulangerie.example"),
            tap(counter, ".modal .o_form_button_save"),
            {
                content: "The new customer is on the quote",
                trigger: ".o_field_widget[name=partner_id] input:value(Boulangerie Saint-Roch)",
            },
            tap(counter, "button.o_fap_new_product"),
            { content: "A short form for the new product", trigger: ".modal .o_fap_product_quick" },
            tap(counter, ".modal .o_field_widget[name=name] input", "edit Gâteau de noces"),
            {
                content: "A service by default",
                trigger: ".modal .o_field_widget[name=fap_kind] input[data-value=service]:checked",
            },
            {
                content: "Only services and goods, no combo",
                trigger: ".modal .o_field_widget[name=fap_kind]:not(:has(input[data-value=combo]))",
            },
            {
                content: "The price is empty",
                trigger: ".modal .o_field_widget[name=lst_price] input:value(0.00)",
            },
            tap(counter, ".modal .o_field_widget[name=lst_price] input", "edit 250"),
            tap(counter, ".modal button[name=action_fap_add_to_order]"),
            {
                content: "The new product is on the quote",
                trigger: ".o_field_widget[name=order_line] .o_kanban_record:contains(Gâteau de noces)",
            },
            tap(counter, ".o_field_widget[name=order_line] .o_kanban_record:contains(Gâteau de noces)"),
            tap(counter, ".modal .o_field_widget[name=product_uom_qty] input", "edit 2"),
            tap(counter, ".modal .o_form_button_save"),
            {
                content: "A tap on the line changed its quantity",
                trigger: ".o_field_widget[name=order_line] .o_kanban_record:contains(Gâteau de noces):contains(2.00)",
            },
            tap(counter, ".o_field_widget[name=order_line] button[name=action_add_from_catalog]"),
            ...searchFor(counter, ".o_action_manager", "Chauffe-eau"),
            {
                content: "The keyword finds the product",
                trigger: ".o_kanban_record:contains(FAP Chauffe-eau 40 gal)",
            },
            {
                content: "and nothing else",
                trigger: ".o_kanban_renderer:not(:has(.o_kanban_record:contains(FAP Heure de travail)))",
            },
            tap(counter, ".o_kanban_record:contains(FAP Chauffe-eau 40 gal)"),
            {
                trigger: ".o_kanban_record.o_product_added:contains(FAP Chauffe-eau 40 gal)",
            },
            tap(counter, ".o-kanban-button-back"),
            tap(counter, ".o_fap_total_bar button[name=action_fap_review]"),
            tap(counter, ".o_fap_review button[name=action_fap_details]"),
            {
                content: "« Sauvegarder »: the details of the draft quote",
                trigger: ".o_fap_details:contains(Boulangerie Saint-Roch) .o_fap_status:contains(Draft)",
            },
        ];
    },
});

tours.add("fap_merchant_pay_now", {
    url: "/odoo/fap-quotes",
    steps: () => [
        tap({ taps: 0 }, ".o_fap_kanban .o_kanban_record:contains(FAP-PAY-NOW)"),
        { content: "The quote's details", trigger: ".o_fap_details:contains(FAP-PAY-NOW)" },
        tap({ taps: 0 }, ".o_fap_details button[name=action_fap_pay_now]"),
        {
            content: "The payment link as a QR code, full screen",
            trigger: ".o_fap_pay_now img.o_fap_qr",
        },
        { content: "and as a link", trigger: ".o_fap_pay_now a.o_fap_pay_link[href*='access_token=']" },
        {
            content: "The customer pays on their phone: the screen turns to « Payée »",
            trigger: ".o_fap_pay_now .o_fap_pay_done:contains(Paid)",
            timeout: 60000,
        },
        // The tour ends away from « Payer »: its polling stops with the screen, no request outlives the tour.
        tap({ taps: 0 }, ".o_fap_pay_now button.o_fap_close"),
        {
            content: "The invoice's details show it paid",
            trigger: ".o_fap_details .o_fap_status:contains(Paid)",
        },
    ],
});

tours.add("fap_merchant_approve", {
    url: "/odoo/fap-quotes",
    steps: () => [
        tap({ taps: 0 }, ".o_fap_kanban .o_kanban_record:contains(FAP-APPROVE)"),
        tap({ taps: 0 }, ".o_fap_details button[name=action_fap_approve]"),
        tap({ taps: 0 }, ".modal-footer .btn-primary"),
        {
            content: "The quote became an invoice at once, to pay",
            trigger: ".o_fap_details:contains(Invoice details) .o_fap_status:contains(To pay)",
        },
        tap({ taps: 0 }, ".o_fap_details button.o_fap_close"),
        {
            content: "« Factures » lists it, its amount with its currency",
            trigger: ".o_fap_kanban .o_kanban_record:contains(Plomberie Laval):contains(To pay):contains($)",
        },
    ],
});

tours.add("fap_merchant_reminders", {
    url: "/odoo/fap-invoices",
    steps: () => [
        tap({ taps: 0 }, ".o_fap_kanban .o_kanban_record:contains(Chauffage Roy)"),
        {
            content: "« Prochaine relance »: the day and the step",
            trigger: ".o_fap_details .o_fap_next_reminder:contains(On the due date)",
        },
        {
            content: "The reminder sent today",
            trigger: ".o_fap_details .o_fap_reminder_history:contains(3 days before the due date):contains(Sent)",
        },
        tap({ taps: 0 }, ".o_fap_details button.o_fap_pause_reminders"),
        {
            content: "Paused: nothing more is planned",
            trigger: ".o_fap_details .o_fap_reminders_paused:visible",
        },
        {
            content: "and it can be resumed",
            trigger: ".o_fap_details button.o_fap_resume_reminders:visible",
        },
    ],
});

// « Virements Interac »: an e-Transfer of 95 $ from Marie Côté, two open invoices of that amount; the merchant
// taps « Match » on one of them.
tours.add("fap_merchant_interac_match", {
    url: "/odoo/fap-interac",
    steps: () => [
        {
            content: "The e-Transfer waiting to be matched",
            trigger: ".o_kanban_record:contains(MARIE CÔTÉ), .o_data_row:contains(MARIE CÔTÉ)",
            run: "click",
        },
        {
            content: "« Match » on a candidate",
            trigger: ".o_field_widget[name=candidate_ids] .o_data_row:first button[name=action_fap_interac_match]",
            run: "click",
        },
        {
            content: "Matched: the payment is registered",
            trigger: ".o_field_widget[name=payment_id]:visible",
        },
    ],
});
