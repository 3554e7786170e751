from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .portal_common import FapPortalCase
from .test_portal_approval import SIGNATURE


@tagged("post_install", "-at_install")
class TestLessNoise(FapPortalCase):
    """One message per step, the app's; the merchant hears of what needs them, not of every view."""

    def _customer_messages(self, record, customer):
        return record.message_ids.filtered(lambda message: customer in message.partner_ids)

    def test_approving_a_signed_quote_sends_no_odoo_order_confirmation(self):
        quote = self._make_quote(require_signature=True)
        result = self._rpc(quote.get_portal_url(suffix="/accept"), {"name": "Sarah Mitchell", "signature": SIGNATURE})
        self.assertEqual(self.path(result["result"]["redirect_url"]), self.path(quote.invoice_ids.get_portal_url()))
        self.assertEqual(quote.state, "sale")
        self.assertFalse(quote.pending_email_template_id, "no confirmation email left for later either")
        self.assertFalse(self._customer_messages(quote, self.customer_en), "the customer got no « order confirmed »")

    def test_odoos_confirmation_email_is_odoos_outside_the_app_only(self):
        ours = self._make_quote()
        ours.with_context(send_email=True).action_confirm()  # what a payment confirming the quote does
        self.assertFalse(self._customer_messages(ours, self.customer_en))
        theirs = self._make_quote(fap_flow=False)
        theirs.with_context(send_email=True).action_confirm()
        self.assertTrue(self._customer_messages(theirs, self.customer_en), "Odoo's own orders keep Odoo's email")

    def test_the_salesperson_is_not_told_of_the_draft_invoice_assigned_to_them(self):
        quote = self._make_quote()
        self._approve(quote)
        invoice = quote.invoice_ids
        self.assertEqual(invoice.invoice_user_id, self.salesperson)
        self.assertIn(self.salesperson.partner_id, invoice.message_partner_ids, "still following their invoice")
        # Odoo's assignment notice is a « user_notification », which the chatter's message_ids leave out.
        assigned = self.env["mail.message"].search(
            [("model", "=", "account.move"), ("res_id", "=", invoice.id), ("message_type", "=", "user_notification")]
        )
        self.assertFalse(assigned, "no « You have been assigned to … »")
        # The approval itself is what they hear of.
        self.assertTrue(quote.message_ids.filtered(lambda m: self.salesperson.partner_id in m.partner_ids))

    def test_a_customer_opening_the_quote_is_noted_but_notifies_nobody(self):
        quote = self._make_quote()
        quote.message_subscribe(self.salesperson.partner_id.ids)
        for _visit in range(2):
            self.authenticate(None, None)  # another browser: Odoo notes one view a day per session
            self.assertEqual(self.open_as_visitor(quote.get_portal_url()).status_code, 200)
        viewed = quote.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("sale.mt_order_viewed"))
        self.assertEqual(len(viewed), 2, "the views stay in the chatter")
        self.assertFalse(viewed.notification_ids, "nobody is emailed nor notified of a view")
        # Outside the app, Odoo's behaviour: its followers are notified.
        theirs = self._make_quote(fap_flow=False)
        theirs.message_subscribe(self.salesperson.partner_id.ids)
        self.authenticate(None, None)
        self.open_as_visitor(theirs.get_portal_url())
        viewed = theirs.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("sale.mt_order_viewed"))
        self.assertIn(self.salesperson.partner_id, viewed.notification_ids.res_partner_id)


@tagged("post_install", "-at_install")
class TestInteracListByDefault(FapPortalCase):
    def test_the_e_transfer_list_shows_matched_ones_too_waiting_ones_first(self):
        Transfer = self.env["facture_a_payer.interac.transfer"]
        matched = Transfer.create({"subject": "Paid last week", "state": "matched"})
        waiting = Transfer.create({"subject": "Which invoice?", "state": "to_match"})
        to_check = Transfer.create({"subject": "Not signed", "state": "review"})
        ignored = Transfer.create({"subject": "Spam", "state": "ignored"})
        action = self.env.ref("facture_a_payer.facture_a_payer_interac_transfer_action")
        context = safe_eval(action.context or "{}")
        self.assertFalse([key for key in context if key.startswith("search_default_")], "no filter hides any")
        views = Transfer.get_views([(False, "list"), (False, "kanban")])["views"]
        for view_type in ("list", "kanban"):
            order = etree.fromstring(views[view_type]["arch"]).get("default_order")
            shown = Transfer.search([("id", "in", (matched | waiting | to_check | ignored).ids)], order=order)
            self.assertEqual(shown[:2], waiting | to_check, f"{view_type}: those waiting first")
            self.assertEqual(set(shown[2:].ids), {matched.id, ignored.id})
            self.assertEqual(shown[2], matched, f"{view_type}: matched ones before ignored ones")
