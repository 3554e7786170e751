import { ProductCatalogKanbanController } from "@product/product_catalog/kanban_controller";
import { ProductCatalogKanbanRecord } from "@product/product_catalog/kanban_record";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

// Odoo's catalogue saves a tap half a second later, and « Retour à la soumission » does not wait for the save:
// the quote then showed a line or two short. In the app's catalogue each tap saves at once, one save after the
// other (two at once on one quote would conflict), and going back waits for the last one.
let saves = Promise.resolve();

patch(ProductCatalogKanbanRecord.prototype, {
    setup() {
        super.setup();
        if (this.props.record.context.fap_catalog) {
            this.debouncedUpdateQuantity = () => {
                const save = saves.then(() => this._updateQuantity());
                // A failed save is reported by the web client; the next ones still run.
                saves = save.catch(() => {});
                return save;
            };
        }
    },
});

patch(ProductCatalogKanbanController.prototype, {
    _defineButtonContent() {
        super._defineButtonContent(...arguments);
        // The app's word for it (« Retour à la soumission »; Odoo's French says « devis »).
        if (this.props.context.fap_catalog) {
            this.buttonString = _t("Back to the quote");
        }
    },

    async backToQuotation() {
        if (this.props.context.fap_catalog) {
            await saves;
        }
        return super.backToQuotation(...arguments);
    },
});
