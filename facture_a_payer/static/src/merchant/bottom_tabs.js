import { Component, useEffect, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useBus, useService } from "@web/core/utils/hooks";

// The seed's bottom menu: each tab is a menu of the app, its action the tab's screen.
export const TABS = [
    { menu: "facture_a_payer.facture_a_payer_home_menu", action: "facture_a_payer.facture_a_payer_home_action", icon: "fa-home" },
    { menu: "facture_a_payer.sale_order_menu_fap", action: "facture_a_payer.sale_order_action_fap", icon: "fa-file-text-o" },
    { menu: "facture_a_payer.account_move_menu_fap", action: "facture_a_payer.account_move_action_fap", icon: "fa-usd" },
];

/**
 * « Accueil », « Soumissions », « Factures » at the bottom of a phone's screen, one tap each, on the app's three
 * screens (not on a quote or an invoice being edited: its own buttons sit there).
 */
export class FapBottomTabs extends Component {
    static template = "facture_a_payer.BottomTabs";
    static props = {};

    setup() {
        this.menu = useService("menu");
        this.action = useService("action");
        this.ui = useState(useService("ui"));
        this.state = useState({ current: this.currentTab() });
        const update = () => (this.state.current = this.currentTab());
        useBus(this.env.bus, "ACTION_MANAGER:UI-UPDATED", update);
        useEffect(
            (shown) => {
                document.body.classList.toggle("o_fap_with_tabs", shown);
                return () => document.body.classList.remove("o_fap_with_tabs");
            },
            () => [this.shown]
        );
    }

    currentTab() {
        const controller = this.action.currentController;
        // The home screen's action is the user's landing page too: no app is current then.
        if (!controller || controller.view?.type === "form") {
            return null;
        }
        return TABS.find((tab) => tab.action === controller.action.xml_id)?.action || null;
    }

    get shown() {
        return this.ui.isSmall && Boolean(this.state.current) && this.tabs.length > 0;
    }

    get tabs() {
        return TABS.map((tab) => {
            const menu = this.menu.getAll().find((item) => item.xmlid === tab.menu);
            return menu && { ...tab, id: menu.id, name: menu.name, active: tab.action === this.state.current };
        }).filter(Boolean);
    }

    // The current tab too: from a figure's list of « Accueil », « Factures » opens all the invoices.
    select(tab) {
        this.menu.selectMenu(tab.id);
    }
}

registry.category("main_components").add("facture_a_payer.BottomTabs", { Component: FapBottomTabs });
