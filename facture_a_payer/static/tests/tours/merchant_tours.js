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
        run: () => setParam(`facture_a_payer.test_taps.${key}`, String(counter.taps)),
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

// A slow phone network: the catalogue's saves reach the server 1.5 s late (the other requests are not delayed).
function slowCatalogueSaves() {
    return {
        content: "The network delays the catalogue's saves",
        trigger: "body",
        run() {
            const { open, send } = XMLHttpRequest.prototype;
            XMLHttpRequest.prototype.open = function (method, url, ...rest) {
                this.fapSlow = String(url).includes("/product/catalog/update_order_line_info");
                return open.call(this, method, url, ...rest);
            };
            XMLHttpRequest.prototype.send = function (...args) {
                if (this.fapSlow) {
                    setTimeout(() => send.apply(this, args), 1500);
                } else {
                    send.apply(this, args);
                }
            };
        },
    };
}

tours.add("fap_merchant_quote_send_slow_network", {
    url: "/odoo/fap-quotes",
    steps: () => [slowCatalogueSaves(), ...quoteSendSteps()],
});

tours.add("fap_merchant_quote_send", {
    url: "/odoo/fap-quotes",
    steps: () => quoteSendSteps(),
});

// The same walk for a merchant who works in French (Canada): no English word on any of the app's screens.
tours.add("fap_merchant_quote_send_fr", {
    url: "/odoo/fap-quotes",
    steps: () => quoteSendSteps({ total: "034,78", sent: "Envoyée", french: true }),
});

function quoteSendSteps({ total = "1,034.78", sent = "Sent", french = false } = {}) {
        const counter = { taps: 0 };
        const inFrench = (selector) => (french ? [noEnglish(selector)] : []);
        return [
            { content: "« Soumissions » shows the quotes as cards", trigger: ".o_fap_kanban" },
            ...inFrench(".o_action_manager"),
            tap(counter, ".o-kanban-button-new"),
            { content: "« Nouvelle soumission »", trigger: ".o_fap_quote_form" },
            titled(french ? "Nouvelle soumission" : "New quote"),
            ...inFrench(".o_action_manager"),
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
            ...inFrench(".o_action_manager"),
            tap(counter, ".o-kanban-button-back"),
            {
                content: "The running total with the taxes is in sight",
                trigger: `.o_fap_total_bar .o_fap_total_amount:contains(${total})`,
            },
            ...inFrench(".o_action_manager"),
            tap(counter, ".o_fap_total_bar button[name=action_fap_review]"),
            { content: "« Réviser la soumission »", trigger: ".o_fap_review:contains(Plomberie Laval)" },
            ...inFrench(".o_action_manager"),
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
                trigger: `.o_fap_details .o_fap_status:contains(${sent})`,
            },
            ...inFrench(".o_action_manager"),
            ...inFrench(".o_notification_manager"),
            reportTaps(counter, "quote_sent"),
            tap(counter, ".o_fap_details button.o_fap_close"),
            { content: "The ✕ leads back to « Accueil »", trigger: ".o_fap_home .o_fap_figures" },
            tap(counter, ".o_fap_tabs .o_fap_tab[data-menu-xmlid='facture_a_payer.sale_order_menu_fap']"),
            {
                content: "« Soumissions »: the sent quote's card",
                trigger: `.o_fap_kanban .o_kanban_record:contains(Plomberie Laval):contains(${sent})`,
            },
            ...inFrench(".o_action_manager"),
            ...inFrench(".o_fap_tabs"),
            ...searchFor(counter, ".o_action_manager", "Laval"),
            {
                content: "The search by customer keeps only their quotes",
                trigger: ".o_fap_kanban:not(:has(.o_kanban_record:not(.o_kanban_ghost):not(:contains(Plomberie Laval))))",
            },
        ];
}

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
        tap({ taps: 0 }, ".o_fap_home .o_fap_figure[data-figure=to_collect]"),
        {
            content: "« À encaisser » lists it, its amount with its currency",
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

// A draft invoice on its details: « Modifier », « Confirmer » and « Enregistrer et envoyer » (confirmed first).
tours.add("fap_merchant_draft_invoice", {
    url: "/odoo/fap-invoices",
    steps: () => [
        tap({ taps: 0 }, ".o_fap_kanban .o_kanban_record:contains(Chauffage Draft)"),
        { content: "The draft's details", trigger: ".o_fap_details .o_fap_status:contains(Draft)" },
        { content: "it can be confirmed", trigger: ".o_fap_details button.o_fap_confirm" },
        tap({ taps: 0 }, ".o_fap_details button.o_fap_edit"),
        {
            content: "« Modifier »: the invoice's lines, the total in sight",
            trigger: ".o_fap_invoice_form .o_fap_total_bar .o_fap_total_amount",
        },
        tap({ taps: 0 }, ".o_fap_invoice_form .o_fap_total_bar button.o_fap_save"),
        tap({ taps: 0 }, ".o_fap_details button.o_fap_send_draft"),
        { content: "It is confirmed before it is sent", trigger: ".modal:contains(draft)" },
        tap({ taps: 0 }, ".modal-footer .btn-primary"),
        {
            content: "Sent: the invoice is to pay, its number given",
            trigger: ".o_fap_details .o_fap_status:contains(To pay)",
        },
        { trigger: ".o_fap_details:not(:has(button.o_fap_send_draft:visible))" },
    ],
});

// A reload, or a link shared, shows the app's screen again, not Odoo's Sales or Accounting form.
function reloadStaysOnDetails(name) {
    return [
        { content: "The details", trigger: `.o_fap_details:contains(${name})` },
        {
            content: "Reload the page",
            trigger: `.o_fap_details:contains(${name})`,
            run: () => window.location.reload(),
            expectUnloadPage: true,
        },
        { content: "After the reload: the app's details again", trigger: `.o_fap_details:contains(${name})` },
        {
            content: "not Odoo's full form",
            trigger: "body:not(:has(.o_form_statusbar, button[name=action_confirm], button[name=action_post]))",
        },
    ];
}

tours.add("fap_merchant_reload_quote", {
    url: "/odoo/fap-quotes",
    steps: () => [
        tap({ taps: 0 }, ".o_fap_kanban .o_kanban_record:contains(FAP-RELOAD)"),
        ...reloadStaysOnDetails("FAP-RELOAD"),
    ],
});

tours.add("fap_merchant_reload_invoice", {
    url: "/odoo/fap-invoices",
    steps: () => [
        tap({ taps: 0 }, ".o_fap_kanban .o_kanban_record:contains(Chauffage Reload)"),
        ...reloadStaysOnDetails("Chauffage Reload"),
    ],
});

// The invoice of an e-Transfer opens the app's details (the tour starts on the transfer).
tours.add("fap_merchant_interac_invoice_link", {
    steps: () => [
        tap({ taps: 0 }, ".o_field_widget[name=invoice_id] a"),
        ...reloadStaysOnDetails("Chauffage Reload"),
    ],
});

// A quote asking a 30 % deposit, on the merchant's details: said before approval; once paid, the deposit paid and
// the balance, no down payment lines, and « Facturer le solde » with its amount.
tours.add("fap_merchant_deposit_asked", {
    steps: () => [
        {
            content: "The deposit asked at approval, its share and amount",
            trigger: ".o_fap_details .o_fap_deposit_asked:contains(30% deposit):contains(275.94)",
        },
        {
            content: "Paying the deposit approves it: the merchant cannot approve it without the deposit",
            trigger: ".o_fap_details:not(:has(button.o_fap_approve:visible))",
        },
    ],
});

tours.add("fap_merchant_deposit_paid", {
    steps: () => [
        { content: "The deposit paid", trigger: ".o_fap_details .o_fap_deposit_paid:contains(275.94)" },
        { content: "the balance", trigger: ".o_fap_details .o_fap_deposit_paid:contains(643.86)" },
        { content: "no longer asked", trigger: ".o_fap_details:not(:has(.o_fap_deposit_asked:visible))" },
        {
            content: "The quote's lines, without Odoo's down payment lines",
            trigger: ".o_fap_details .o_fap_lines:contains(Water heater installation):not(:contains(Down Payment))",
        },
        {
            content: "« Facturer le solde » says its amount",
            trigger: ".o_fap_details button.o_fap_invoice_balance:contains(643.86)",
            run: "click",
        },
        tap({ taps: 0 }, ".modal-footer .btn-primary"),
        {
            content: "The balance's invoice, sent",
            trigger: ".o_fap_details:contains(Invoice details):contains(643.86)",
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

// The page's title (the browser's tab, the breadcrumb): a new quote is « Nouvelle soumission », not Odoo's « Nouveau ».
function titled(title) {
    return {
        content: `The page is titled « ${title} »`,
        trigger: ".o_fap_quote_form",
        async run() {
            for (let tries = 0; !document.title.includes(title) && tries < 50; tries++) {
                await new Promise((resolve) => setTimeout(resolve, 100));
            }
            if (!document.title.includes(title)) {
                throw new Error(`The page is titled « ${document.title} », not « ${title} »`);
            }
        },
    };
}

// The English words of our screens that French never uses: a French screen showing one has a missing translation.
const ENGLISH = /\b(the|of|and|days?|invoices?|quotes?|payments?|Home|Paid|Overdue|collect|awaiting|Approval|rate|Average|sending|Collected|week|New|Sent|Draft|To pay)\b/;

function noEnglish(selector) {
    return {
        content: `No English in ${selector}`,
        trigger: selector,
        run() {
            for (const element of document.querySelectorAll(selector)) {
                const found = element.innerText.match(ENGLISH);
                if (found) {
                    throw new Error(`English on a French screen: « ${found[0]} » in ${selector}: ${element.innerText}`);
                }
            }
        },
    };
}

// What « Accueil » shows, for the test to check against the books: each figure's value and hint, then the number of
// records of the list behind it.
function reportFigures() {
    return {
        content: "Report the figures to the test",
        trigger: ".o_fap_home .o_fap_figure",
        async run() {
            const figures = {};
            for (const figure of document.querySelectorAll(".o_fap_home .o_fap_figure")) {
                figures[figure.dataset.figure] = {
                    value: figure.querySelector(".o_fap_figure_value").innerText,
                    hint: figure.querySelector(".o_fap_figure_hint").innerText,
                };
            }
            figures.chart = [...document.querySelectorAll(".o_fap_chart_bar")].map((bar) => Number(bar.dataset.amount));
            await setParam("facture_a_payer.test_home.figures", JSON.stringify(figures));
        },
    };
}

async function setParam(key, value) {
    await rpc("/web/dataset/call_kw/ir.config_parameter/set_param", {
        model: "ir.config_parameter",
        method: "set_param",
        args: [key, value],
        kwargs: {},
    });
}

function openFigure(figure) {
    return [
        tap({ taps: 0 }, `.o_fap_home .o_fap_figure[data-figure=${figure}]`),
        {
            content: `The list behind « ${figure} »`,
            trigger: ".o_action_manager .o_view_controller:not(:has(.o_view_sample_data)) :is(.o_kanban_record:not(.o_kanban_ghost), .o_data_row, .o_view_nocontent)",
            async run() {
                const records = document.querySelectorAll(
                    ".o_kanban_record:not(.o_kanban_ghost), .o_list_view .o_data_row"
                );
                await setParam(`facture_a_payer.test_home.list.${figure}`, String(records.length));
            },
        },
        tap({ taps: 0 }, ".o_back_button"),
        { content: "Back on « Accueil »", trigger: ".o_fap_home .o_fap_figures" },
    ];
}

// « Accueil » at a phone's size, in French: landed on after login, its figures, their lists, the bottom tabs, « + ».
tours.add("fap_merchant_home", {
    url: "/odoo",
    steps: () => [
        { content: "The merchant lands on « Accueil »", trigger: ".o_fap_home .o_fap_figures" },
        {
            content: "The bottom tabs, « Accueil » current",
            trigger: ".o_fap_tabs .o_fap_tab.active[data-menu-xmlid='facture_a_payer.facture_a_payer_home_menu']",
        },
        { trigger: ".o_fap_home .o_fap_chart .o_fap_chart_bar" },
        noEnglish(".o_fap_home"),
        noEnglish(".o_fap_tabs"),
        reportFigures(),
        ...["to_collect", "overdue", "paid_month", "awaiting", "approval", "payment_delay"].flatMap(openFigure),
        tap({ taps: 0 }, ".o_fap_tabs .o_fap_tab[data-menu-xmlid='facture_a_payer.sale_order_menu_fap']"),
        { content: "« Soumissions » in one tap", trigger: ".o_fap_kanban .o_kanban_record" },
        noEnglish(".o_fap_kanban .o_kanban_renderer"),
        tap({ taps: 0 }, ".o_fap_tabs .o_fap_tab[data-menu-xmlid='facture_a_payer.account_move_menu_fap']"),
        { content: "« Factures » in one tap", trigger: ".o_fap_tabs .o_fap_tab.active[data-menu-xmlid='facture_a_payer.account_move_menu_fap']" },
        noEnglish(".o_fap_kanban .o_kanban_renderer"),
        tap({ taps: 0 }, ".o_fap_tabs .o_fap_tab[data-menu-xmlid='facture_a_payer.facture_a_payer_home_menu']"),
        tap({ taps: 0 }, ".o_fap_home .o_fap_period button[data-period='90']"),
        { content: "The rates over 90 days", trigger: ".o_fap_home .o_fap_period button.btn-primary[data-period='90']" },
        tap({ taps: 0 }, ".o_fap_home button.o_fap_new_quote"),
        { content: "« + » starts a new quote", trigger: ".o_fap_quote_form" },
        {
            content: "no tabs over the quote's own buttons",
            trigger: "body:not(:has(.o_fap_tabs))",
        },
    ],
});
