import base64

from odoo.tests import TransactionCase, tagged
from odoo.tools import convert_file, file_open

from odoo.addons.facture_a_payer.tools.twilio_api import TWILIO_API_URL_PARAM
from odoo.addons.phone_validation.tools import phone_validation

DEMO_PRODUCTS = [
    "labour_hour",
    "travel",
    "diagnostic",
    "water_heater_installation",
    "maintenance_plan",
    "emergency_call",
    "water_heater",
    "kitchen_faucet",
    "low_flow_toilet",
    "thermostat",
    "smoke_co_detector",
    "pex_pipe",
]
DEMO_CUSTOMERS = [
    "elise_tremblay",
    "marc_andre_gagnon",
    "sarah_mitchell",
    "david_chen",
    "julie_roy",
    "patrick_obrien",
    "cafe_du_parc",
]
DEMO_FILES = [
    "demo/res_company_demo.xml",
    "demo/res_partner_demo.xml",
    "demo/product_demo.xml",
    "demo/sale_order_demo.xml",
    "demo/account_move_demo.xml",
]


@tagged("post_install", "-at_install")
class TestFoundationDemo(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("facture_a_payer_demo.demo_company")
        cls.products = cls.env["product.product"].concat(
            *(cls.env.ref(f"facture_a_payer_demo.demo_product_{name}") for name in DEMO_PRODUCTS)
        )
        cls.customers = cls.env["res.partner"].concat(
            *(cls.env.ref(f"facture_a_payer_demo.demo_customer_{name}") for name in DEMO_CUSTOMERS)
        )

    def test_the_merchant_is_a_quebec_company_in_cad_on_the_canadian_chart(self):
        self.assertEqual(self.company.currency_id, self.env.ref("base.CAD"))
        self.assertEqual(self.company.country_id, self.env.ref("base.ca"))
        self.assertEqual(self.company.state_id, self.env.ref("base.state_ca_qc"))
        self.assertEqual(self.company.chart_template, "ca_2023")
        self.assertTrue(self.company.phone and self.company.email and self.company.street and self.company.zip)
        self.assertEqual(self.env.ref("base.user_admin").company_id, self.company)
        with file_open("facture_a_payer_demo/demo/demo_company_logo.png", "rb") as logo:
            self.assertEqual(self.company.logo, base64.b64encode(logo.read()), "the portal's logo")

    def test_the_merchant_works_in_french_and_lands_on_home(self):
        merchant = self.env.ref("base.user_admin")
        self.assertEqual((merchant.name, merchant.lang, merchant.tz), ("Julie Beaulieu", "fr_CA", "America/Toronto"))
        self.assertEqual(merchant.action_id.id, self.env.ref("facture_a_payer.facture_a_payer_home_action").id)
        self.assertEqual(merchant.email, "julie@plomberie-beaulieu.example.com")
        self.assertEqual((merchant.partner_id.city, merchant.partner_id.state_id.code), ("Montréal", "QC"))
        self.assertEqual(self.env.ref("facture_a_payer_demo.demo_quote_sent").user_id, merchant)

    def test_the_merchant_signs_with_her_name(self):
        signature = str(self.env.ref("base.user_admin").signature)
        self.assertIn("Julie Beaulieu", signature)
        self.assertNotIn("Mitchell", signature)

    def test_the_catalogue_speaks_french_and_english_and_so_do_the_quotes(self):
        labour = self.env.ref("facture_a_payer_demo.demo_product_labour_hour")
        self.assertEqual(labour.with_context(lang="fr_CA").name, "Main-d'œuvre – taux horaire")
        for lang in ("en_US", "en_CA"):
            self.assertEqual(labour.with_context(lang=lang).name, "Labour – hourly rate")
        for product in self.products:
            self.assertNotEqual(
                product.with_context(lang="fr_CA").name, product.with_context(lang="en_CA").name, product.default_code
            )
        # An English customer's quote lists the English names; a French customer's, the French ones.
        english = self.env.ref("facture_a_payer_demo.demo_quote_draft")
        self.assertEqual(english.partner_id.lang[:2], "en")
        self.assertTrue(any("Labour – hourly rate" in name for name in english.order_line.mapped("name")))
        french = self.env.ref("facture_a_payer_demo.demo_quote_sent")
        self.assertEqual(french.partner_id.lang, "fr_CA")
        self.assertTrue(any("Frais de déplacement" in name for name in french.order_line.mapped("name")))

    def test_the_merchants_pickers_hold_the_merchants_customers_and_products(self):
        # What the quote's customer and product fields offer in the merchant's company (Odoo's company check).
        pickable = [("company_id", "in", [False, self.company.id])]
        customers = self.env["res.partner"].search(pickable)
        self.assertLessEqual(self.customers, customers)
        self.assertNotIn(self.env.ref("base.res_partner_2"), customers, "Odoo's Deco Addict")
        products = self.env["product.product"].search([*pickable, ("sale_ok", "=", True)])
        self.assertLessEqual(self.products, products)
        self.assertNotIn(self.env.ref("product.product_product_4"), products, "Odoo's Customizable Desk")
        # Odoo's own demo company keeps them for its own demo.
        self.assertEqual(self.env.ref("product.product_product_4").company_id, self.env.ref("base.main_company"))

    def test_the_merchant_sees_only_their_company(self):
        admin = self.env.ref("base.user_admin")
        self.assertEqual(admin.company_ids, self.company, "the company switcher lists no other company")
        merchant = self.env(user=admin, context={"allowed_company_ids": admin.company_ids.ids})
        others = self.env["res.company"].search([("id", "!=", self.company.id)])
        self.assertTrue(others, "Odoo's demo companies are there, for the superuser")
        self.assertFalse(merchant["res.partner"].search([("id", "in", others.partner_id.ids)]), "CA Company...")
        self.assertFalse(merchant["res.partner"].name_search("CA Company"))
        self.assertFalse(merchant["res.partner"].name_search("My US Company"))
        sale_demo = (
            self.env.ref("sale.advance_product_0")
            | self.env.ref("sale.product_product_1_product_template").product_variant_ids
        )
        self.assertFalse(merchant["product.product"].search([("id", "in", sale_demo.ids)]), "Deposit, Chair floor...")
        self.assertEqual(merchant["res.partner"].search([("id", "in", self.customers.ids)]), self.customers)
        self.assertEqual(merchant["product.product"].search([("id", "in", self.products.ids)]), self.products)

    def test_products_carry_the_charts_gst_and_qst(self):
        self.assertGreaterEqual(len(self.products), 10)
        self.assertEqual(set(self.products.mapped("type")), {"service", "consu"})
        gst_qst = self.env["account.chart.template"].with_company(self.company).ref("gstqst_sale_tax_14975")
        self.assertEqual(self.company.account_sale_tax_id, gst_qst)
        rates = {tax.with_context(lang="fr_CA").name: tax.amount for tax in gst_qst.children_tax_ids}
        self.assertEqual(rates, {"5% TPS": 5.0, "9.975% TVQ": 9.975})
        for product in self.products:
            self.assertGreater(product.list_price, 0, product.name)
            self.assertEqual(product.taxes_id, gst_qst, product.name)

    def test_a_quote_adds_gst_and_qst_to_the_untaxed_amount(self):
        quote = self.env.ref("facture_a_payer_demo.demo_quote_sent")
        # Water heater 899.00 + installation 350.00 + travel 45.00
        self.assertEqual(quote.currency_id, self.env.ref("base.CAD"))
        self.assertAlmostEqual(quote.amount_untaxed, 1294.00)
        self.assertAlmostEqual(quote.amount_tax, 64.70 + 129.08)  # TPS 5 %, TVQ 9.975 % (not compounded)
        self.assertAlmostEqual(quote.amount_total, 1487.78)

    def test_customers_speak_french_or_english_and_are_reached_by_email_or_sms(self):
        self.assertGreaterEqual(len(self.customers), 5)
        langs = self.env["res.lang"].search([("code", "in", ["fr_CA", "en_CA"])])
        self.assertEqual(sorted(langs.mapped("code")), ["en_CA", "fr_CA"], "both languages are active")
        self.assertEqual(set(self.customers.mapped("lang")), {"fr_CA", "en_CA"})
        # The French translations were loaded with the language, not only the language switched on.
        self.assertEqual(self.env.ref("sale.sale_menu_root").with_context(lang="fr_CA").name, "Ventes")
        david, julie = (
            self.env.ref("facture_a_payer_demo.demo_customer_david_chen"),
            self.env.ref("facture_a_payer_demo.demo_customer_julie_roy"),
        )
        self.assertFalse(david.phone)
        self.assertTrue(david.email)
        self.assertFalse(julie.email)
        self.assertTrue(julie.phone)
        for customer in self.customers - david:
            number = phone_validation.phone_format(customer.phone, "CA", "1", force_format="E164")
            self.assertRegex(number, r"^\+1\d{10}$", customer.name)
        for customer in self.customers - julie:
            self.assertRegex(customer.email, r"^[^@\s]+@[^@\s]+\.[a-z]+$", customer.name)

    def test_quotes_and_invoices_cover_every_state_of_the_flow(self):
        def ref(name):
            return self.env.ref(f"facture_a_payer_demo.{name}")

        self.assertEqual(ref("demo_quote_draft").state, "draft")
        for name in ("demo_quote_sent", "demo_quote_sent_email_only", "demo_quote_sent_sms_only"):
            self.assertEqual(ref(name).state, "sent", name)
        invoiced, paid = ref("demo_order_invoiced"), ref("demo_order_paid")
        self.assertEqual((invoiced.state, paid.state), ("sale", "sale"))
        self.assertEqual(invoiced.invoice_ids.mapped("state"), ["posted"])
        self.assertEqual(invoiced.invoice_ids.payment_state, "not_paid")
        self.assertAlmostEqual(invoiced.invoice_ids.amount_total, invoiced.amount_total)
        self.assertEqual(ref("demo_invoice_draft").state, "draft")
        self.assertEqual(
            (ref("demo_invoice_posted").state, ref("demo_invoice_posted").payment_state), ("posted", "not_paid")
        )
        for invoice in paid.invoice_ids | ref("demo_invoice_paid"):
            self.assertEqual((invoice.state, invoice.payment_state), ("posted", "paid"), invoice.name)
            self.assertEqual(invoice.amount_residual, 0.0)
            payment = invoice._get_reconciled_payments()
            self.assertEqual(len(payment), 1, invoice.name)
            self.assertAlmostEqual(payment.amount, invoice.amount_total)
            self.assertEqual(payment.company_id, self.company)
        orders = self.env["sale.order"].search([("company_id", "=", self.company.id)])
        for document in [*orders, *orders.invoice_ids, ref("demo_invoice_paid")]:
            self.assertEqual(document.currency_id.name, "CAD", document.name)

    def test_the_sent_quotes_have_their_next_reminder_planned(self):
        for name in ("demo_quote_sent", "demo_quote_sent_email_only", "demo_quote_sent_sms_only", "demo_quote_deposit"):
            quote = self.env.ref(f"facture_a_payer_demo.{name}")
            self.assertEqual(quote.fap_reminder_status, "planned", name)
            self.assertTrue(quote.fap_next_reminder_date, name)
            self.assertTrue(quote.fap_next_reminder_step_id, name)

    def test_the_merchants_invoices_name_its_gst_and_qst_numbers(self):
        self.assertEqual((self.company.vat, self.company.l10n_ca_pst), ("123456789 RT0001", "1234567890 TQ0001"))
        invoice = self.env.ref("facture_a_payer_demo.demo_invoice_posted")
        html, _ = self.env["ir.actions.report"]._render_qweb_html("account.report_invoice", invoice.ids)
        self.assertIn("No de TPS/TVH : 123456789 RT0001 · No de TVQ : 1234567890 TQ0001", html.decode())

    def test_the_demo_points_twilio_and_email_at_the_offline_sandbox(self):
        get_param = self.env["ir.config_parameter"].sudo().get_param
        self.assertEqual(get_param(TWILIO_API_URL_PARAM), "http://127.0.0.1:8070/twilio")
        self.assertEqual(get_param("web.base.url.freeze"), "True")
        company = self.company.sudo()
        self.assertEqual(company.sms_provider, "twilio")
        company._assert_twilio_sid()
        self.assertEqual(company.sms_twilio_number_ids.mapped("number"), ["+15145550100"])
        self.assertEqual(company.sms_twilio_number_ids.country_id, self.env.ref("base.ca"))
        provider = self.env["payment.provider"].search(
            [("code", "=", "stripe_checkout"), ("company_id", "=", self.company.id)], limit=1
        )
        self.assertEqual((provider.state, provider.is_published), ("test", True))
        invoice = self.env.ref("facture_a_payer_demo.demo_invoice_posted")
        compatible = self.env["payment.provider"]._get_compatible_providers(
            self.company.id, invoice.partner_id.id, invoice.amount_residual, currency_id=invoice.currency_id.id
        )
        self.assertIn(provider, compatible, "the customer can pay the demo invoices on Stripe Checkout")
        server = self.env.ref("facture_a_payer_demo.demo_mail_server_sandbox")
        self.assertEqual((server.smtp_host, server.smtp_port, server.smtp_encryption), ("127.0.0.1", 8025, "none"))

    def test_loading_the_demo_again_duplicates_nothing(self):
        def counts():
            return {
                model: self.env[model].search_count([("company_id", "=", self.company.id)])
                for model in ("sale.order", "account.move", "account.payment", "product.product", "res.partner")
            } | {
                "res.company": self.env["res.company"].search_count([]),
                "ir.mail_server": self.env["ir.mail_server"].search_count([]),
                "res.lang": self.env["res.lang"].search_count([]),
                "sms.twilio.number": self.env["sms.twilio.number"].search_count([]),
            }

        before = counts()
        for path in DEMO_FILES:  # what `-u` does with demo data: noupdate records and <function> are left alone
            convert_file(self.env, "facture_a_payer_demo", path, {}, mode="update", noupdate=True)
        self.assertEqual(counts(), before)
