import { Component, onWillStart, useState } from "@odoo/owl";
import { formatCurrency } from "@web/core/currency";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { formatFloat, humanNumber } from "@web/core/utils/numbers";
import { useService } from "@web/core/utils/hooks";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

/**
 * « Accueil »: where the money is, at a glance. Each figure opens the list behind it; « + » starts a quote.
 * The figures are read in one call (a few grouped queries on the server, see facture_a_payer.home).
 */
export class FapHome extends Component {
    static template = "facture_a_payer.Home";
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.companyName = user.activeCompany?.name;
        this.state = useState({ period: 30, figures: null });
        onWillStart(() => this.load());
    }

    // The answer of the last period asked wins, however fast the merchant switches.
    async load() {
        const period = this.state.period;
        const figures = await this.orm.call("facture_a_payer.home", "fap_get_figures", [period]);
        if (period === this.state.period) {
            this.state.figures = figures;
        }
    }

    async setPeriod(period) {
        this.state.period = period;
        await this.load();
    }

    money(amount) {
        return formatCurrency(amount, this.state.figures.currency_id);
    }

    invoices(count) {
        return count === 1 ? _t("1 invoice") : _t("%s invoices", count);
    }

    invoicesPaid(count) {
        return count === 1 ? _t("1 invoice paid") : _t("%s invoices paid", count);
    }

    payments(count) {
        return count === 1 ? _t("1 payment") : _t("%s payments", count);
    }

    number(value) {
        // « 2 jours », « 2,5 jours »: a whole number without its « ,0 ».
        return formatFloat(value, { digits: [false, 1], trailingZeros: false });
    }

    get chartBars() {
        const weeks = this.state.figures.chart || [];
        const max = Math.max(...weeks.map((week) => week.amount), 1);
        return weeks.map((week) => ({
            ...week,
            label: formatDate(deserializeDate(week.week), { format: "d MMM" }),
            height: Math.round((100 * week.amount) / max),
            title: `${formatDate(deserializeDate(week.week))} · ${this.money(week.amount)}`,
            // Above its bar, in a bar's width: « 684 », « 1,4k » (the bar's title has the amount in full).
            short: humanNumber(week.amount, { decimals: week.amount >= 1000 ? 1 : 0 }),
        }));
    }

    async open(figure) {
        const action = await this.orm.call("facture_a_payer.home", "action_fap_open_figure", [
            figure,
            this.state.period,
        ]);
        await this.action.doAction(action);
    }

    async newQuote() {
        const action = await this.orm.call("sale.order", "action_fap_new", []);
        await this.action.doAction(action);
    }
}

registry.category("actions").add("facture_a_payer.home", FapHome);
