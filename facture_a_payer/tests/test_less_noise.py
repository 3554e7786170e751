from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from ..tools.sms_segment import gsm7_units, is_one_segment, to_gsm7
from .portal_common import FapPortalCase, FapPortalPaymentCase
from .test_interac import InteracCase
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


@tagged("post_install", "-at_install")
class TestInvoiceSmsOneSegment(InteracCase):
    """The invoice's SMS is one segment (160 GSM-7 characters, or 70 in UCS-2), whatever the names."""

    def _sent_sms(self, invoice):
        before = len(self.sandbox.twilio.messages)
        self.send(invoice)
        sms = self.sandbox.twilio.messages[before:]
        self.assertEqual(len(sms), 1)
        return sms[0]["body"]

    def _assert_one_segment(self, body, invoice):
        self.assertTrue(is_one_segment(body), f"{len(body)} characters, {gsm7_units(body)} GSM-7 units: {body}")
        self.assertIn(invoice._fap_get_short_url(), body, "the link, whole")
        self.assertIn(invoice.name, body)

    def test_worst_cases_in_french_and_english_fit_one_segment(self):
        self.company.write(
            {
                "name": "Rénovations Côté & Fils — Plomberie et chauffage de la Rive-Sud inc.",
                "fap_interac_email": "comptabilite.paiements@renovations-cote-et-fils.qc.ca",
                "fap_short_link_base_url": "https://paiement.renovations-cote-et-fils.qc.ca",
            }
        )
        for customer in (self.customer_fr, self.customer_en):
            invoice = self._invoice(customer, quantity=25)  # 11 497,50 $
            body = self._sent_sms(invoice)
            self._assert_one_segment(body, invoice)
            self.assertTrue(body.startswith("Rénovations Coté & Fils"), f"the sender recognisable, in GSM-7: {body}")
            self.assertIn(invoice.with_context(lang=customer.lang)._fap_get_sms_amount(), body)
            # Its place taken by the link, the Interac line is on the page the link opens.
            self.assertNotIn("Interac", body)
            self.assertIn(self.company.fap_interac_email, self.open_as_visitor(invoice.get_portal_url()).text)

    def test_the_interac_line_stays_when_the_whole_fits(self):
        # 153 characters in English with a short link address; French words take 162, Interac stays on the page.
        self.company.write(
            {"name": "Café Lune", "fap_interac_email": "p@lune.ca", "fap_short_link_base_url": "https://p.ca"}
        )
        invoice = self._invoice(self.customer_en)
        body = self._sent_sms(invoice)
        self._assert_one_segment(body, invoice)
        self.assertTrue(body.startswith("Café Lune: invoice"), "as written when it fits (é is GSM-7)")
        self.assertIn(f"or Interac e-Transfer to p@lune.ca, message: {invoice.name}", body)

    def test_ucs2_counts_70_and_gsm7_counts_accents_of_its_alphabet_as_one(self):
        self.assertEqual(gsm7_units("Élise, à côté"), None, "ô is not GSM-7")
        self.assertEqual(gsm7_units("Élise, à coté"), 13)
        self.assertEqual(gsm7_units("5 €"), 4, "€ is an escape and a character")
        self.assertTrue(is_one_segment("é" * 160))
        self.assertFalse(is_one_segment("é" * 161))
        self.assertTrue(is_one_segment("ô" * 70))
        self.assertFalse(is_one_segment("ô" * 71))
        self.assertEqual(to_gsm7("« Côté » 1\u00a0234,50\u202f$ — ça"), '" Coté " 1 234,50 $ - ca')


@tagged("post_install", "-at_install")
class TestPartialReceipt(FapPortalPaymentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"fap_partial_payments": True, "fap_partial_min_amount": 50.0, "fap_partial_min_percent": 25.0}
        )

    def _receipts(self, invoice):
        receipts = invoice.message_ids.filtered(lambda m: any(w in (m.subject or "") for w in ("receipt", "reçu")))
        return receipts.sorted("id").mapped("body")

    def test_a_partial_receipt_does_not_call_the_invoice_paid_the_last_one_does(self):
        _quote, invoice = self._approved_invoice()
        self._pay(invoice, amount=300.0)
        partial = self._receipts(invoice)
        self.assertEqual(len(partial), 1)
        self.assertIn("The invoice and its balance are on its page", partial[0])
        self.assertIn("See the invoice<", partial[0])
        self.assertNotIn("paid invoice", partial[0])
        self._pay(invoice)
        last = self._receipts(invoice)[1:]
        self.assertEqual(len(last), 1)
        self.assertIn("The paid invoice stays available on its page", last[0])
        self.assertIn("See the paid invoice", last[0])

    def test_in_french_too(self):
        self.env["ir.module.module"]._load_module_terms(["facture_a_payer"], ["fr_CA"], overwrite=True)
        _quote, invoice = self._approved_invoice(customer=self.customer_fr)
        self._pay(invoice, amount=300.0)
        partial = self._receipts(invoice)
        self.assertEqual(len(partial), 1)
        self.assertIn("La facture et son solde sont sur sa page", partial[0])
        self.assertIn("Voir la facture<", partial[0])
