import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

/**
 * « Approuver » when no signature is asked: Odoo's accept route (extended server side to confirm the quote
 * and post its invoice) answers with the invoice page, where the customer goes next.
 */
export class QuoteApproval extends Interaction {
    static selector = "#fap_approval";
    dynamicContent = {
        ".o_fap_approve": { "t-on-click.prevent": this.locked(this.onApproveClick, true) },
        _window: {
            // Back to a page the browser kept in memory after approving: ask the server, which knows better.
            "t-on-pageshow": (ev) => ev.persisted && window.location.reload(),
        },
    };

    async onApproveClick(ev) {
        const button = ev.currentTarget;
        const result = await this.waitFor(rpc(button.dataset.acceptUrl, {}));
        if (result.error) {
            const errorEl = this.el.querySelector(".o_fap_approve_error");
            errorEl.textContent = result.error;
            errorEl.classList.remove("d-none");
            return;
        }
        window.location.assign(result.redirect_url);
    }
}

registry.category("public.interactions").add("facture_a_payer.quote_approval", QuoteApproval);
