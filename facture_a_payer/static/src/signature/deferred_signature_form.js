import { Component, onMounted, useRef, useState, xml } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { SignatureForm } from "@portal/signature_form/signature_form";

/**
 * Odoo's signature form, mounted when its dialog opens: the signature fonts (1.3 MB of JSON) and pad are fetched
 * for the customer who signs, not on each visit of the quote from a phone.
 */
export class DeferredSignatureForm extends Component {
    static template = xml`<div t-ref="root"><SignatureForm t-if="state.open" t-props="props"/></div>`;
    static components = { SignatureForm };
    static props = ["*"];

    setup() {
        this.rootRef = useRef("root");
        this.state = useState({ open: false });
        onMounted(() => {
            const modal = this.rootRef.el.closest(".modal");
            if (modal) {
                modal.addEventListener("show.bs.modal", () => (this.state.open = true), { once: true });
            } else {
                this.state.open = true;
            }
        });
    }
}

registry.category("public_components").add("facture_a_payer.signature_form", DeferredSignatureForm);
