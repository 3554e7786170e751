from odoo.tests import tagged

from .portal_common import FapPortalCase

GST = "123456789 RT0001"
QST = "1234567890 TQ0001"


@tagged("post_install", "-at_install")
class TestQuebecInvoices(FapPortalCase):
    """Québec asks the supplier's GST and QST registration numbers on invoices of $30 and more: the invoice PDF, the
    invoice page and the receipt name them whenever the company has them (Odoo's ``vat``, and ``l10n_ca_pst``
    when l10n_ca is installed)."""

    def _invoice(self, customer=None):
        quote = self._make_quote(customer)
        self._approve(quote)
        return quote.invoice_ids

    def _set_numbers(self):
        self.company.vat = GST
        has_qst = "l10n_ca_pst" in self.company._fields
        if has_qst:
            self.company.l10n_ca_pst = QST
        return has_qst

    def _pdf_html(self, invoice):
        html, _ = self.env["ir.actions.report"]._render_qweb_html("account.report_invoice", invoice.ids)
        return html.decode()

    def _receipt(self, invoice):
        template = self.env.ref("facture_a_payer.mail_template_fap_receipt")
        return template._render_field("body_html", invoice.ids, compute_lang=True)[invoice.id]

    def test_the_invoice_pdf_page_and_receipt_name_the_gst_and_qst_numbers(self):
        invoice = self._invoice()
        has_qst = self._set_numbers()
        expected = [f"GST/HST no.: {GST}"] + ([f"QST no.: {QST}"] if has_qst else [])
        pdf = self._pdf_html(invoice)
        page = self.open_as_visitor(invoice.get_portal_url()).text
        receipt = str(self._receipt(invoice))
        for number in expected:
            self.assertIn(number, pdf, "the invoice PDF")
            self.assertIn(number, page, "the invoice page")
            self.assertIn(number, receipt, "the receipt")

    def test_the_quote_pdf_names_them_too(self):
        has_qst = self._set_numbers()
        quote = self._make_quote(self.customer_en)
        html, _ = self.env["ir.actions.report"]._render_qweb_html("sale.action_report_saleorder", quote.ids)
        for number in [f"GST/HST no.: {GST}"] + ([f"QST no.: {QST}"] if has_qst else []):
            self.assertIn(number, html.decode())

    def test_in_french_they_are_the_tps_and_the_tvq(self):
        self.env["res.lang"]._activate_lang("fr_CA")
        self.env["ir.module.module"]._load_module_terms(["facture_a_payer"], ["fr_CA"], overwrite=True)
        invoice = self._invoice(self.customer_fr)
        has_qst = self._set_numbers()
        receipt = str(self._receipt(invoice))
        self.assertIn(f"No de TPS/TVH : {GST}", receipt)
        if has_qst:
            self.assertIn(f"No de TVQ : {QST}", receipt)
        page = self.open_as_visitor(f"/fr{invoice.get_portal_url()}").text
        self.assertIn(f"No de TPS/TVH : {GST}", page)

    def test_nothing_is_said_when_the_company_has_no_number(self):
        invoice = self._invoice()
        self.assertNotIn('name="fap_tax_numbers"', self._pdf_html(invoice))
        self.assertNotIn('name="fap_tax_numbers"', self.open_as_visitor(invoice.get_portal_url()).text)
        self.assertNotIn("o_fap_tax_numbers", str(self._receipt(invoice)))
