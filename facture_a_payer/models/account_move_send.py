from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_mail_layout(self):
        # The app's invoices go out in the app's layout (its links and QR code); any other sending keeps Odoo's.
        return self.env.context.get("fap_mail_layout") or super()._get_mail_layout()
