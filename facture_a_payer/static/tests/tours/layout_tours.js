import { registry } from "@web/core/registry";

// The merchant's screens read whole at 375 px (tests/test_layout_375.py, in French and in English): nothing past the
// screen's right edge, no word cut by an ellipsis, nothing under the floating « + ».

const tours = registry.category("web_tour.tours");

/** What of ``element`` a phone hides: past the right edge, or cut (its text wider than its box). */
function hidden(element) {
    const box = element.getBoundingClientRect();
    if (box.right > document.documentElement.clientWidth + 0.5) {
        return `ends at ${Math.round(box.right)} px, past the screen`;
    }
    if (element.scrollWidth > element.clientWidth + 1) {
        return `cut: ${element.scrollWidth} px of text in ${element.clientWidth} px`;
    }
    return "";
}

/** A step failing when an element of ``selector`` (``trigger`` waited first) is not read whole. */
function readWhole(selector, trigger = selector) {
    return {
        content: `${selector} is read whole`,
        trigger,
        run() {
            const elements = [...document.querySelectorAll(selector)].filter((element) => element.offsetParent);
            if (!elements.length) {
                throw new Error(`nothing matches ${selector}`);
            }
            for (const element of elements) {
                const why = hidden(element);
                if (why) {
                    throw new Error(`« ${element.innerText || element.value} » (${selector}) ${why}`);
                }
            }
        },
    };
}

function wideEnough(selector, pixels) {
    return {
        content: `${selector} is at least ${pixels} px wide`,
        trigger: selector,
        run() {
            const width = document.querySelector(selector).clientWidth;
            if (width < pixels) {
                throw new Error(`${selector} is ${width} px wide`);
            }
        },
    };
}

tours.add("fap_layout_customer_form", {
    steps: () => [
        wideEnough(".o_field_widget[name=phone] input", 140),
        readWhole(".o_field_widget[name=phone] input"),
        readWhole(".o_field_widget[name=email] input"),
        { content: "The consent page", trigger: ".o_notebook a[name=fap_consent]", run: "click" },
        readWhole(
            ".o_field_widget[name=fap_consent_ids] :is(.o_kanban_record *, .o_data_cell)",
            ".o_field_widget[name=fap_consent_ids] :is(.o_kanban_record, .o_data_row)"
        ),
    ],
});

tours.add("fap_layout_cadence", {
    steps: () => [
        readWhole(
            ".o_action_manager :is(.o_kanban_record *, .o_data_cell, .o_list_table th *)",
            ".o_action_manager :is(.o_kanban_record, .o_data_row)"
        ),
    ],
});

tours.add("fap_layout_home", {
    steps: () => [
        {
            content: "The chart says how much each week",
            trigger: ".o_fap_chart .o_fap_chart_amount",
            run() {
                const amounts = [...document.querySelectorAll(".o_fap_chart_amount")].map((el) => el.innerText);
                if (!amounts.every((amount) => /^\d[\d\s,.]*k?$/.test(amount))) {
                    throw new Error(`the chart's amounts read ${amounts.join(" | ")}`);
                }
            },
        },
        readWhole(".o_fap_chart .o_fap_chart_amount"),
        {
            content: "Wherever « Accueil » is scrolled, « + » covers none of the chart's weeks",
            trigger: ".o_fap_home .o_fap_chart_bar",
            run() {
                const home = document.querySelector(".o_fap_home");
                const end = home.scrollHeight - home.clientHeight;
                for (const top of [0, end / 3, (2 * end) / 3, end]) {
                    home.scrollTop = top;
                    const plus = document.querySelector(".o_fap_new_quote").getBoundingClientRect();
                    for (const week of document.querySelectorAll(".o_fap_chart_week, .o_fap_chart_label")) {
                        const box = week.getBoundingClientRect();
                        const apart = box.right <= plus.left || box.left >= plus.right ||
                            box.bottom <= plus.top || box.top >= plus.bottom;
                        if (!apart) {
                            throw new Error(`scrolled to ${Math.round(top)} px, « + » covers a week of the chart`);
                        }
                    }
                }
                home.scrollTop = 0;
            },
        },
        { content: "The approval rate's quotes", trigger: ".o_fap_figure[data-figure=approval]", run: "click" },
        readWhole(".o_breadcrumb .active, .o_breadcrumb .active *", ".o_fap_kanban .o_kanban_record"),
        { trigger: ".o_fap_tabs .o_fap_tab[data-menu-xmlid='facture_a_payer.facture_a_payer_home_menu']", run: "click" },
        { content: "The payment delay's invoices", trigger: ".o_fap_figure[data-figure=payment_delay]", run: "click" },
        readWhole(".o_breadcrumb .active, .o_breadcrumb .active *", ".o_fap_kanban .o_kanban_record"),
        {
            content: "« Factures »",
            trigger: ".o_fap_tabs .o_fap_tab[data-menu-xmlid='facture_a_payer.account_move_menu_fap']",
            run: "click",
        },
        {
            content: "A draft says one date: the day it was made",
            trigger: ".o_fap_kanban .o_kanban_record:has(.o_fap_status .badge.text-bg-secondary)",
            run() {
                for (const card of document.querySelectorAll(".o_fap_kanban .o_kanban_record")) {
                    const line = card.querySelector(".text-muted")?.innerText || "";
                    if (card.querySelector(".o_fap_status .text-bg-secondary") && line.includes("·")) {
                        throw new Error(`the draft's card reads « ${line} »`);
                    }
                }
            },
        },
        readWhole(".o_fap_kanban .o_kanban_record *", ".o_fap_kanban .o_kanban_record"),
    ],
});

tours.add("fap_layout_review", {
    steps: () => [readWhole(".o_fap_review .btn, .o_fap_review .btn *", ".o_fap_review button[name=action_fap_pay_now]")],
});

// The customer's invoice page: the invoice embedded below the summary reads at the phone's width.
tours.add("fap_layout_invoice_page", {
    steps: () => [
        {
            content: "The embedded invoice's company address takes the width",
            trigger: "iframe#invoice_html, iframe.invoice_html",
            async run() {
                const frame = document.querySelector("iframe.invoice_html, iframe#invoice_html");
                let address;
                for (let tries = 0; tries < 100 && !address; tries++) {
                    address = frame.contentDocument?.querySelector(".o_in_iframe [name=company_address]");
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                const width = address.getBoundingClientRect().width;
                const page = frame.contentDocument.body.clientWidth;
                if (width < page * 0.75) {
                    throw new Error(`the company's address is ${Math.round(width)} px wide in ${page} px`);
                }
            },
        },
    ],
});
