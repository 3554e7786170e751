import { Component, onMounted, onWillUnmount, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

// How often the screen asks whether the customer's payment has landed.
const POLL_INTERVAL = 2000;

/**
 * « Payer »: the invoice's payment link and its QR code, full screen, for a customer standing in front
 * of the merchant; turns to « Payée » as soon as the payment lands. A form view cannot poll, hence OWL.
 */
export class PayNow extends Component {
    static template = "facture_a_payer.PayNow";
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.params = this.props.action.params;
        this.state = useState({ paid: this.params.paid, copied: false });
        onMounted(() => this.schedulePoll());
        // Leaving the screen ends the polling: no request of a screen that is gone (nor of a finished tour).
        onWillUnmount(() => {
            this.unmounted = true;
            clearTimeout(this.timer);
        });
    }

    get qrSrc() {
        const value = encodeURIComponent(this.params.url);
        return `/report/barcode/?barcode_type=QR&value=${value}&width=600&height=600&quiet=1`;
    }

    // One question at a time: the next one is asked once the previous answer is in.
    schedulePoll() {
        if (!this.state.paid && !this.unmounted) {
            this.timer = setTimeout(() => this.poll(), POLL_INTERVAL);
        }
    }

    async poll() {
        try {
            const status = await this.orm.call("account.move", "fap_get_payment_status", [[this.params.move_id]]);
            if (status.paid && !this.unmounted) {
                this.state.paid = true;
            }
        } finally {
            // A lost connection is shown by the web client; the screen keeps waiting for the payment.
            this.schedulePoll();
        }
    }

    async copyLink() {
        await navigator.clipboard?.writeText(this.params.url);
        this.state.copied = true;
    }

    async close() {
        const action = await this.orm.call("account.move", "action_fap_open", [[this.params.move_id]]);
        await this.actionService.doAction(action, { clearBreadcrumbs: true });
    }
}

registry.category("actions").add("facture_a_payer.pay_now", PayNow);
