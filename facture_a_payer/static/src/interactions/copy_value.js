import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";
import { _t } from "@web/core/l10n/translation";
import { browser } from "@web/core/browser/browser";

/**
 * « Copier » beside what the customer types in their bank's app for an Interac e-Transfer (the address, the
 * amount, the message): one tap, then « Copié ».
 */
export class CopyValue extends Interaction {
    static selector = "#fap_interac_details";
    dynamicContent = {
        ".o_fap_copy": { "t-on-click.prevent": this.onCopyClick },
    };

    async onCopyClick(ev) {
        const button = ev.currentTarget;
        const label = button.querySelector("span");
        try {
            await this.waitFor(browser.navigator.clipboard.writeText(button.dataset.fapCopy));
            label.textContent = _t("Copied");
        } catch {
            label.textContent = _t("Select and copy it");
        }
    }
}

registry.category("public.interactions").add("facture_a_payer.copy_value", CopyValue);
