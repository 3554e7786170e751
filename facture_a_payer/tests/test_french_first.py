from odoo import Command
from odoo.tests import tagged

from .portal_common import FapPortalPaymentCase


@tagged("post_install", "-at_install")
class TestFrenchFirst(FapPortalPaymentCase):
    """What the merchant reads in the chatter is in the merchant's language, whoever's request (a webhook, an English
    customer's page) writes it: no English on a French merchant's screens, no French on an English one's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.install_french()
        cls.env["ir.module.module"]._load_module_terms(["facture_a_payer"], ["fr_CA"], overwrite=True)
        cls.salesperson.lang = "fr_CA"
        cls.pad = cls.env.ref("payment_stripe_checkout.payment_method_acss_debit")
        cls.pad.active = True

    def _invoice(self, customer):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_user_id": self.salesperson.id,
                "fap_flow": True,
                "invoice_line_ids": [Command.create({"product_id": self.product.id, "price_unit": 189.71})],
            }
        )
        invoice.action_post()
        return invoice

    def _transaction(self, invoice, **values):
        return self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.pad.id,
                "reference": f"{invoice.name}-FR",
                "amount": 189.71,
                "currency_id": invoice.currency_id.id,
                "partner_id": invoice.partner_id.id,
                "operation": "online_redirect",
                "invoice_ids": [Command.set(invoice.ids)],
                **values,
            }
        )

    def test_the_payments_notes_are_in_the_merchants_language(self):
        english_env = self.env(context=dict(self.env.context, lang="en_US"))
        tx = self._transaction(self._invoice(self.customer_en)).with_env(english_env)
        self.assertIn("a été amorcé", tx._get_sent_message())
        self.assertIn("189,71", tx._get_sent_message())
        tx.state = "done"
        self.assertIn("a été confirmé", tx._get_received_message())
        # An English-speaking salesperson reads them in English, even from a French customer's payment.
        self.salesperson.lang = "en_US"
        french_tx = self._transaction(self._invoice(self.customer_fr)).with_context(lang="fr_CA")
        message = french_tx._get_sent_message().striptags()
        self.assertRegex(message, rf"^The payment {french_tx.reference} of 189\.71\s\$ has been initiated\.$")

    def test_a_refund_is_noted_in_the_merchants_french(self):
        # Odoo's note read « The refund … has been confirmed. » (its word « refund » is not translated).
        english_env = self.env(context=dict(self.env.context, lang="en_US"))
        payment = self._transaction(self._invoice(self.customer_en), state="done")
        refund = self._transaction(
            self.env["account.move"],
            reference=f"R-{payment.reference}",
            amount=-50.0,
            operation="refund",
            source_transaction_id=payment.id,
            currency_id=payment.currency_id.id,
            partner_id=payment.partner_id.id,
            invoice_ids=[],
            state="done",
        ).with_env(english_env)
        message = refund._get_received_message().striptags()
        self.assertRegex(message, rf"^Le remboursement R-{payment.reference} de -\W?50,00\s\$ a été confirmé\.$")

    def test_a_failed_pre_authorized_debit_is_noted_in_the_merchants_french(self):
        invoice = self._invoice(self.customer_en)
        tx = self._transaction(invoice, state="pending").with_context(lang="en_US")
        tx._set_error("The payment was declined by the customer's bank.")
        note = invoice.message_ids.filtered(lambda m: "n'a pas abouti :" in str(m.body))[:1]
        self.assertTrue(note, invoice.message_ids.mapped("body"))
        self.assertIn("189,71&nbsp;$", str(note.body))
        self.assertIn(self.pad.with_context(lang="fr_CA").name, str(note.body))
        self.assertNotIn("Pre-authorized debit", str(note.body))
        self.assertIn("La banque ou l'émetteur de la carte a refusé le paiement.", str(note.body))
        self.assertNotIn("declined", str(note.body))
        # The English customer reads Stripe's words on the invoice's page; a French one, the app's.
        page = self.open_as_visitor(invoice._fap_get_share_url()).text
        self.assertIn("The payment was declined by the customer", page.replace("&#39;", "'"))

    def test_a_french_customer_reads_why_the_payment_failed_in_french(self):
        invoice = self._invoice(self.customer_fr)
        self._transaction(invoice, state="pending")._set_error("The payment was declined by the customer's bank.")
        page = self.open_as_visitor(invoice._fap_get_share_url()).text.replace("&#39;", "'")
        self.assertIn("La banque ou l'émetteur de la carte a refusé le paiement.", page)
        self.assertNotIn("declined", page)
        template = self.env.ref("facture_a_payer.mail_template_fap_payment_failed")
        email = str(template._render_field("body_html", invoice.ids, compute_lang=True)[invoice.id])
        self.assertIn("La banque ou l'émetteur de la carte a refusé le paiement.", email.replace("&#39;", "'"))
        self.assertNotIn("declined", email)

    def test_an_sms_opt_out_is_noted_in_the_companys_language(self):
        self.company.partner_id.lang = "fr_CA"
        number = self.customer_en._fap_get_sms_number()
        self.env["facture_a_payer.consent"].with_context(lang="en_US")._fap_record(
            self.company, "sms", number, "opt_out", "sms_reply", partners=self.customer_en
        )
        body = str(self.customer_en.message_ids[:1].body)
        self.assertIn("Désabonné", body)
        self.assertNotIn("Opted out", body)

    def _paid_by_interac(self, customer):
        self.company.partner_id.lang = "fr_CA"
        self.company._fap_interac_setup()
        invoice = self._invoice(customer)
        journal = self.company.fap_interac_journal_id
        self.assertEqual(journal.name, "Virements Interac", "named in the merchant's language")
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {"journal_id": journal.id}
        )._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        return self.open_as_visitor(invoice._fap_get_share_url()).text

    def test_a_french_customer_reads_one_word_for_paid_and_the_e_transfer_in_the_singular(self):
        page = self._paid_by_interac(self.customer_fr)
        self.assertIn("Payée", page)
        self.assertIn("Mode de paiement", page)
        self.assertIn("Virement Interac", page)
        for leak in ("Payé par", "Payé avec", "Virements Interac"):
            self.assertNotIn(leak, page)

    def test_an_english_customer_reads_the_e_transfer_in_english(self):
        page = self._paid_by_interac(self.customer_en)
        self.assertIn("Paid by", page)
        self.assertIn("Interac e-Transfer", page)
        self.assertNotIn("Virement", page)

    def test_the_creation_notes_and_the_sending_toast_are_in_the_merchants_french(self):
        english_env = self.env(context=dict(self.env.context, lang="en_US"))
        quote = self._make_quote(self.customer_en).with_env(english_env)
        self.assertEqual(quote.message_ids[-1:].body.striptags(), "Soumission créée")
        invoice = self._invoice(self.customer_en)
        self.assertEqual(invoice.message_ids[-1:].body.striptags(), "Facture créée")
        with self.smtp_live():
            toast = self.send(quote.with_context(lang="fr_CA"))["params"]["message"]
        self.assertIn(f"{quote.name} sera envoyée à", toast)
        self.assertNotIn("envoyé à", toast)
