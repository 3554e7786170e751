from odoo import models


class PaymentMethod(models.Model):
    _inherit = "payment.method"

    def _get_compatible_payment_methods(self, provider_ids, partner_id, *args, **kwargs):
        """Override of `payment` to offer Stripe Checkout once in the payment form.

        Checkout shows the customer every method of the provider (cards, wallets, pre-authorized debit) and lets
        them choose there: the methods that only Stripe Checkout offers are not a second choice before it.
        """
        payment_methods = super()._get_compatible_payment_methods(provider_ids, partner_id, *args, **kwargs)
        providers = self.env["payment.provider"].browse(provider_ids)
        checkout_providers = providers.filtered(lambda p: p.code == "stripe_checkout")
        checkout_methods = payment_methods.filtered(lambda pm: pm.provider_ids & checkout_providers)
        other_providers = providers - checkout_providers
        return payment_methods - checkout_methods[1:].filtered(lambda pm: not pm.provider_ids & other_providers)
