from lxml import html

from odoo.tests import tagged
from odoo.tools.translate import code_translations

from .portal_common import FapPortalCase

SIGNATURE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


@tagged("post_install", "-at_install")
class TestQuebecFrench(FapPortalCase):
    """Odoo's own words on our screens and PDFs, in Québec French: a quote is a « soumission »."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.install_french()
        # The modules' files in the order Odoo may load them, sale's last: our wording wins all the same.
        cls.env["ir.module.module"]._load_module_terms(["facture_a_payer", "sale", "sms_twilio"], ["fr_CA"])

    def test_the_quotes_pdf_is_a_soumission(self):
        quote = self._make_quote(self.customer_fr)
        response = self.open_as_visitor(quote._fap_get_share_url().replace("?", "?report_type=pdf&download=1&", 1))
        self.assertEqual(response.status_code, 200)
        disposition = response.headers["Content-Disposition"]
        self.assertIn(f"Soumission_{quote.name}.pdf", disposition)
        self.assertNotIn("Devis", disposition)
        # Confirmed, it is an order, and in English it stays Odoo's.
        quote.action_confirm()
        report = self.env.ref("sale.action_report_saleorder")
        names = {lang: report.with_context(lang=lang).print_report_name for lang in ("fr_CA", "en_US")}
        self.assertIn("'Commande - %s'", names["fr_CA"])
        self.assertIn("'Quotation - %s'", names["en_US"])

    def test_the_quote_form_speaks_of_a_soumission(self):
        fields = self.env["sale.order"].with_context(lang="fr_CA").fields_get(["sale_order_template_id", "order_line"])
        self.assertEqual(fields["sale_order_template_id"]["string"], "Modèle de soumission")
        self.assertEqual(fields["order_line"]["string"], "Lignes")

    def test_the_signature_dialog_reads_naturally(self):
        quote = self._make_quote(self.customer_fr, require_signature=True)
        html = self.open_as_visitor(quote.get_portal_url()).text
        self.assertRegex(html, r"pour la soumission de\s*<b[^>]*data-id=\"total_amount\"")
        self.assertNotIn("devis.", html)
        self.assertIn("Approuver la soumission", html)

    def test_an_english_customer_approves_the_quote_not_validates_an_order(self):
        english = self.open_as_visitor(self._make_quote(self.customer_en, require_signature=True).get_portal_url())
        self.assertIn("Approve the quote", english.text)
        self.assertNotIn("Validate Order", english.text)

    def test_a_quote_asking_a_deposit_reads_as_a_quote_with_its_share_written_as_people_write_it(self):
        values = {"require_payment": True, "prepayment_percent": 0.3}
        french = self.open_as_visitor(self._make_quote(self.customer_fr, **values).get_portal_url()).text
        self.assertIn("(30\u00a0%)", french)
        self.assertIn("(<b>30\u00a0</b>%),", french)
        for leak in ("30.0", "Payer la commande", "Informations de la commande"):
            self.assertNotIn(leak, french)
        self.assertIn("Renseignements", french)

    def test_an_english_customer_reads_the_deposits_share_in_english(self):
        values = {"require_payment": True, "prepayment_percent": 0.3}
        english = self.open_as_visitor(self._make_quote(self.customer_en, **values).get_portal_url()).text
        self.assertIn("(30%)", english)
        self.assertIn("(<b>30</b>%),", english)
        self.assertNotIn("30.0", english)

    def _pay_dialog_titles(self, customer, prepayment_percent):
        quote = self._make_quote(customer, require_payment=True, prepayment_percent=prepayment_percent)
        page = html.fromstring(self.open_as_visitor(quote.get_portal_url()).text)
        return [" ".join(h4.text_content().split()) for h4 in page.xpath("//*[@id='modalaccept']//h4")]

    def test_the_pay_dialog_says_what_is_paid(self):
        # Odoo's « Pay Order » (« Paiement » in French): the deposit, or the quote paid whole.
        self.assertEqual(self._pay_dialog_titles(self.customer_fr, 0.3), ["Payer l'acompte"])
        self.assertEqual(self._pay_dialog_titles(self.customer_fr, 1.0), ["Payer la soumission"])

    def test_the_pay_dialog_says_what_is_paid_in_english(self):
        self.assertEqual(self._pay_dialog_titles(self.customer_en, 0.3), ["Pay the deposit"])
        self.assertEqual(self._pay_dialog_titles(self.customer_en, 1.0), ["Pay the quote"])

    def test_a_new_quote_is_titled_nouvelle_soumission(self):
        order = self.env["sale.order"].with_context(lang="fr_CA").new({"fap_flow": True})
        self.assertEqual(order.display_name, "Nouvelle soumission")
        self.assertEqual(order.with_context(lang="en_US").display_name, "New quote")
        saved = self._make_quote(self.customer_fr)
        self.assertEqual(saved.display_name, saved.name)

    def test_the_sms_provider_and_the_user_menu_speak_french(self):
        env = self.env(context=dict(self.env.context, lang="fr_CA"))
        providers = dict(env["res.company"]._fields["sms_provider"]._description_selection(env))
        self.assertEqual((providers["iap"], providers["twilio"]), ("Envoyer par Odoo", "Envoyer par Twilio"))
        messages = code_translations.get_web_translations("facture_a_payer", "fr_CA")["messages"]
        self.assertIn({"id": "My Preferences", "string": "Mes préférences"}, [dict(m) for m in messages])
