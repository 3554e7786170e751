import re
from datetime import timedelta
from html import unescape
from unittest.mock import patch
from urllib.parse import quote as url_quote

from odoo import fields
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import consteq
from odoo.tools.safe_eval import safe_eval

from .portal_common import FapPortalCase

# A 1x1 transparent PNG: what Odoo's signature pad sends, base64-encoded.
SIGNATURE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="


@tagged("post_install", "-at_install")
class TestPortalApproval(FapPortalCase):
    def test_a_sent_quote_shows_merchant_number_lines_gst_and_qst_apart_total_validity_and_both_answers(self):
        quote = self._make_quote(validity_date=fields.Date.today() + timedelta(days=30))
        response = self.open_as_visitor(quote.get_portal_url())
        self.assertEqual(response.status_code, 200)
        html = response.text
        self.assertIn('id="fap_approval"', html)
        for shown in (self.company.name, quote.name, self.product.name, "GST", "QST", "Valid until"):
            self.assertIn(shown, html)
        self.assertIn('name="fap_approve"', html)
        self.assertIn('name="fap_decline"', html)
        # Natively there is no accept button without signature nor payment; there is no signature form either.
        self.assertNotIn('name="signature"', html)

    def test_approving_confirms_the_quote_and_posts_exactly_one_invoice_the_customer_is_taken_to(self):
        quote = self._make_quote()
        result = self._approve(quote)["result"]
        self.assertEqual(quote.state, "sale")
        self.assertEqual(len(quote.invoice_ids), 1)
        invoice = quote.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.amount_total, quote.amount_total)
        self.assertAlmostEqual(invoice.amount_total, 2 * 400 * 1.14975, places=2)
        # It shows in the merchant's « Factures ».
        factures = self.env.ref("facture_a_payer.account_move_action_fap")
        self.assertIn(invoice, self.env["account.move"].search(safe_eval(factures.domain)))
        self.assertEqual(self.path(result["redirect_url"]), self.path(invoice.get_portal_url()))
        # The quote's link now leads straight to its invoice.
        response = self.open_as_visitor(quote.get_portal_url())
        self.assertEqual(self.path(response.url), self.path(invoice.get_portal_url()))
        self.assertIn('id="fap_invoice"', response.text)
        # The salesperson hears of it.
        approval = quote.message_ids.filtered(lambda m: "approved by the customer" in (m.body or ""))
        self.assertIn(self.salesperson.partner_id, approval.partner_ids)

    def test_the_customer_gets_the_invoice_not_a_pro_forma(self):
        invoice = self._make_quote()._fap_confirm_and_invoice()
        html = self.open_as_visitor(invoice.get_portal_url(report_type="html")).text
        self.assertIn(invoice.name, html)
        self.assertNotIn("Proforma", html)
        pdf = self.open_as_visitor(invoice.get_portal_url(report_type="pdf", download=True))
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        self.assertEqual(pdf.content, invoice.invoice_pdf_report_id.raw)  # the legal PDF, attached once
        self.assertFalse(invoice.is_move_sent)

    def test_approving_twice_makes_no_second_invoice_and_leads_to_the_invoice(self):
        quote = self._make_quote()
        page = self.open_as_visitor(quote.get_portal_url())
        # « Back » after approving reloads the page from the server, which sends to the invoice.
        self.assertEqual(page.headers["Cache-Control"], "no-store")
        self._approve(quote)
        second = self._approve(quote)["result"]
        self.assertEqual(second, {"force_refresh": True, "redirect_url": quote.invoice_ids.get_portal_url()})
        self.assertEqual(len(quote.invoice_ids), 1)
        back = self.open_as_visitor(quote.get_portal_url(), allow_redirects=False)
        self.assertEqual(back.status_code, 303)
        self.assertIn(quote.invoice_ids.get_portal_url(), back.headers["Location"])

    def test_odoos_own_confirmation_makes_no_invoice_and_a_later_approval_makes_one(self):
        quote = self._make_quote()
        quote.action_confirm()
        self.assertFalse(quote.invoice_ids)
        self.assertFalse(quote.fap_approved)
        self.assertEqual(quote._fap_confirm_and_invoice(), quote.invoice_ids)
        self.assertEqual(quote.invoice_ids.mapped("state"), ["posted"])
        self.assertEqual(quote._fap_confirm_and_invoice(), quote.invoice_ids)
        self.assertEqual(len(quote.invoice_ids), 1)

    def test_a_signature_is_asked_only_when_the_merchant_requires_one(self):
        quote = self._make_quote(require_signature=True)
        html = self.open_as_visitor(quote.get_portal_url()).text
        self.assertIn('data-bs-target="#modalaccept"', html)
        # Odoo's signature form, mounted when its dialog opens (its fonts are not loaded with the page).
        self.assertIn('name="facture_a_payer.signature_form"', html)
        self.assertEqual(self._approve(quote)["result"], {"error": "Signature is missing."})
        self.assertEqual(quote.state, "sent")
        result = self._rpc(quote.get_portal_url(suffix="/accept"), {"name": "Sarah Mitchell", "signature": SIGNATURE})
        self.assertEqual(quote.state, "sale")
        self.assertEqual(quote.signed_by, "Sarah Mitchell")
        self.assertEqual(len(quote.invoice_ids), 1)
        self.assertEqual(self.path(result["result"]["redirect_url"]), self.path(quote.invoice_ids.get_portal_url()))

    def test_signing_renders_no_pdf_and_notes_it_in_the_merchants_language(self):
        # Odoo renders the quote's PDF twice while the signing customer waits (about 2 s each with wkhtmltopdf).
        self.env["ir.module.module"]._load_module_terms(["facture_a_payer"], ["fr_CA"], overwrite=True)
        self.salesperson.lang = "fr_CA"
        quote = self._make_quote(require_signature=True)
        Report = type(self.env["ir.actions.report"])
        render, rendered = Report._render_qweb_pdf, []

        def counted_render(report, report_ref, *args, **kwargs):
            rendered.append(report_ref)
            return render(report, report_ref, *args, **kwargs)

        with patch.object(Report, "_render_qweb_pdf", counted_render):
            signed = {"name": "Sarah Mitchell", "signature": SIGNATURE}
            result = self._rpc(quote.get_portal_url(suffix="/accept"), signed)
        self.assertEqual(rendered, [], "no PDF while the customer waits")
        self.assertEqual(self.path(result["result"]["redirect_url"]), self.path(quote.invoice_ids.get_portal_url()))
        self.assertEqual((quote.state, quote.signed_by), ("sale", "Sarah Mitchell"))
        note = quote.message_ids.filtered(lambda m: "Sarah Mitchell" in (m.body or ""))
        self.assertEqual(note.body, "<p>Soumission signée par Sarah Mitchell.</p>", "the salesperson reads French")
        self.assertIn(self.salesperson.partner_id, note.partner_ids)
        # Nor after: Odoo's confirmation email is not the app's (test_less_noise).
        self.assertFalse(quote.pending_email_template_id)

    def test_declining_with_a_reason_records_it_and_notifies_the_salesperson(self):
        quote = self._make_quote()
        html = self.open_as_visitor(quote.get_portal_url()).text
        response = self.url_open(
            self.path(quote.get_portal_url(suffix="/decline")),
            data={"csrf_token": self._csrf_token(html), "decline_message": "Too expensive for now"},
        )
        self.assertEqual(quote.state, "cancel")
        self.assertTrue(quote.fap_declined)
        self.assertEqual(quote.fap_declined_reason, "Too expensive for now")
        message = quote.message_ids.filtered(lambda m: "Too expensive for now" in (m.body or ""))
        self.assertEqual(message.author_id, self.customer_en)
        self.assertIn(self.salesperson.partner_id, message.partner_ids)
        self.assertIn("You declined this quote", response.text)
        self.assertFalse(quote.invoice_ids)

    def test_declining_without_a_reason_is_accepted(self):
        quote = self._make_quote()
        html = self.open_as_visitor(quote.get_portal_url()).text
        self.url_open(self.path(quote.get_portal_url(suffix="/decline")), data={"csrf_token": self._csrf_token(html)})
        self.assertTrue(quote.fap_declined)
        self.assertTrue(quote.message_ids.filtered(lambda m: "declined the quote." in (m.body or "")))

    def test_a_cancelled_quote_says_so_offers_to_contact_the_merchant_and_gives_nothing_else(self):
        quote = self._make_quote()
        self.company.partner_id.phone = "+1 514-555-0123"
        quote._action_cancel()
        response = self.open_as_visitor(quote.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn("This quote has been cancelled.", response.text)
        self.assertIn('href="tel:+1 514-555-0123"', response.text)
        self.assertNotIn(self.product.name, response.text)
        self.assertNotIn('name="fap_approve"', response.text)
        # Its PDF and its approval are gone with it.
        pdf = self.open_as_visitor(quote.get_portal_url(report_type="pdf"), allow_redirects=False)
        self.assertEqual((pdf.status_code, pdf.headers["Location"]), (303, "/my"))
        self.assertIn("error", self._approve(quote)["result"])
        self.assertEqual(quote.state, "cancel")

    def test_an_expired_quote_says_so_and_cannot_be_approved(self):
        quote = self._make_quote(validity_date=fields.Date.today() - timedelta(days=1))
        response = self.open_as_visitor(quote.get_portal_url())
        self.assertIn("This quote has expired.", response.text)
        self.assertNotIn('name="fap_approve"', response.text)
        self.assertIn("error", self._approve(quote)["result"])
        self.assertEqual(quote.state, "sent")
        self.assertFalse(quote.invoice_ids)

    def test_the_page_follows_the_customer_language_and_can_be_switched(self):
        quote = self._make_quote(customer=self.customer_fr)
        response = self.open_as_visitor(quote.get_portal_url())
        url_code = self.env["res.lang"]._get_data(code="fr_CA").url_code
        self.assertTrue(response.url.startswith(f"{self.base_url()}/{url_code}/my/orders/{quote.id}"), response.url)
        self.assertIn("Approuver", response.text)
        self.assertIn("TPS", response.text)
        self.assertIn("TVQ", response.text)
        self.assertIn("js_language_selector", response.text)
        # The visitor picks English (US) in the portal's language selector.
        english = unescape(re.search(r'href="([^"]+)" data-url_code="en"', response.text).group(1))
        if "website" in self.env:
            # Beside Odoo's website, its script takes the click to /website/lang, which sets the language.
            english = f"/website/lang/en?r={url_quote(english)}"
        response = self.url_open(english)
        self.assertEqual(self.path(response.url), self.path(quote.get_portal_url()))
        self.assertIn("Approve", response.text)
        self.assertNotIn("Approuver", response.text)


@tagged("post_install", "-at_install")
class TestPortalSecurity(FapPortalCase):
    def _redirect_of(self, path):
        response = self.url_open(path, allow_redirects=False)
        return response.status_code, response.headers.get("Location")

    def _bad_links(self, document, model_path, suffix=""):
        """A missing document, no token, a forged token, a revoked token: the links a prober would try."""
        good_token = document.access_token
        missing_id = self.env[document._name].search([], order="id desc", limit=1).id + 1000
        forged = good_token[:-4] + ("0000" if not good_token.endswith("0000") else "1111")
        document.action_fap_revoke_link()
        self.assertNotEqual(document.access_token, good_token)
        return {
            "missing document": f"/my/{model_path}/{missing_id}{suffix}?access_token={document.access_token}",
            "no token": f"/my/{model_path}/{document.id}{suffix}?access_token=",
            "forged token": f"/my/{model_path}/{document.id}{suffix}?access_token={forged}",
            "revoked token": f"/my/{model_path}/{document.id}{suffix}?access_token={good_token}",
        }

    def test_bad_quote_links_get_the_answer_of_a_missing_quote(self):
        quote = self._make_quote()
        links = self._bad_links(quote, "orders")
        answers = {name: self._redirect_of(path) for name, path in links.items()}
        self.assertEqual(set(answers.values()), {(303, "/my")}, answers)
        # The PDF and the approval answer the same way whatever is wrong.
        pdfs = {name: self._redirect_of(path + "&report_type=pdf") for name, path in links.items()}
        self.assertEqual(set(pdfs.values()), {(303, "/my")}, pdfs)
        quote.access_token = False
        quote._portal_ensure_token()
        accepts = {
            name: self._rpc(path)["result"] for name, path in self._bad_links(quote, "orders", "/accept").items()
        }
        self.assertEqual(list(accepts.values()), [{"error": "Invalid order."}] * 4, accepts)
        self.assertEqual(quote.state, "sent")

    def test_bad_invoice_links_get_the_answer_of_a_missing_invoice(self):
        quote = self._make_quote()
        quote._fap_confirm_and_invoice()
        invoice = quote.invoice_ids
        links = self._bad_links(invoice, "invoices")
        answers = {name: self._redirect_of(path) for name, path in links.items()}
        self.assertEqual(set(answers.values()), {(303, "/my")}, answers)
        # The new link works.
        self.assertEqual(self.open_as_visitor(invoice.get_portal_url()).status_code, 200)

    def test_paying_with_a_bad_link_answers_like_a_missing_invoice(self):
        quote = self._make_quote()
        quote._fap_confirm_and_invoice()
        invoice = quote.invoice_ids
        missing_id = invoice.id + 1000
        token = invoice.access_token
        errors = {
            "missing": self._rpc(f"/invoice/transaction/{missing_id}", {"access_token": token}),
            "forged": self._rpc(f"/invoice/transaction/{invoice.id}", {"access_token": "x" * len(token)}),
        }
        invoice.action_fap_revoke_link()
        errors["revoked"] = self._rpc(f"/invoice/transaction/{invoice.id}", {"access_token": token})
        seen = {(e["error"]["data"]["name"], e["error"]["data"]["message"]) for e in errors.values()}
        self.assertEqual(seen, {("odoo.exceptions.ValidationError", "The access token is invalid.")}, errors)

    def test_the_token_is_compared_in_constant_time(self):
        quote = self._make_quote()
        with patch("odoo.addons.portal.controllers.portal.consteq", wraps=consteq) as compare:
            self.open_as_visitor(quote.get_portal_url())
        compare.assert_any_call(quote.access_token, quote.access_token)

    def test_revoking_a_link_kills_the_old_one_and_the_new_one_works(self):
        quote = self._make_quote()
        old_url = quote.get_portal_url()
        quote.action_fap_revoke_link()
        self.assertEqual(self._redirect_of(self.path(old_url)), (303, "/my"))
        self.assertEqual(self.open_as_visitor(quote.get_portal_url()).status_code, 200)

    def test_a_cancelled_invoice_link_says_so_and_gives_no_pdf(self):
        quote = self._make_quote()
        invoice = quote._fap_confirm_and_invoice()
        invoice.button_draft()
        invoice.button_cancel()
        response = self.open_as_visitor(invoice.get_portal_url())
        self.assertIn("This invoice has been cancelled.", response.text)
        self.assertNotIn('name="fap_pay"', response.text)
        pdf = self._redirect_of(self.path(invoice.get_portal_url(report_type="pdf", download=True)))
        self.assertEqual(pdf, (303, "/my"))


@tagged("post_install", "-at_install")
class TestPortalOutsideTheFlow(FapPortalCase):
    """A quote or an invoice made elsewhere in Odoo (not in the app, never sent with its link) gets Odoo's own
    pages and answers, untouched."""

    def test_a_quote_made_elsewhere_shows_odoos_page_and_buttons(self):
        quote = self._make_quote(fap_flow=False, require_signature=True)
        html = self.open_as_visitor(quote.get_portal_url()).text
        self.assertNotIn('id="fap_approval"', html)
        self.assertIn("Accept & Sign", html)
        self.assertIn("Reject This Quotation", html)
        self.assertNotIn("Decline this quote", html)
        self.assertRegex(html, r'<textarea[^>]*name="decline_message"[^>]*required')

    def test_signing_a_quote_made_elsewhere_confirms_it_as_odoo_does_without_invoicing(self):
        self.assertTrue(self.company.fap_auto_invoice)
        quote = self._make_quote(fap_flow=False, require_signature=True)
        result = self._rpc(quote.get_portal_url(suffix="/accept"), {"name": "Sarah Mitchell", "signature": SIGNATURE})
        self.assertEqual(quote.state, "sale")
        self.assertEqual(quote.signed_by, "Sarah Mitchell")
        self.assertFalse(quote.invoice_ids)
        self.assertFalse(quote.fap_approved)
        self.assertIn("message=sign_ok", result["result"]["redirect_url"])
        # Its link stays on the order: there is no invoice to go to.
        response = self.open_as_visitor(quote.get_portal_url())
        self.assertEqual(self.path(response.url), self.path(quote.get_portal_url()))

    def test_declining_a_quote_made_elsewhere_follows_odoos_rules(self):
        quote = self._make_quote(fap_flow=False, require_signature=True)
        html = self.open_as_visitor(quote.get_portal_url()).text
        decline_url = self.path(quote.get_portal_url(suffix="/decline"))
        # Natively a reason is required.
        response = self.url_open(decline_url, data={"csrf_token": self._csrf_token(html)}, allow_redirects=False)
        self.assertIn("message=cant_reject", response.headers["Location"])
        self.assertEqual(quote.state, "sent")
        self.url_open(decline_url, data={"csrf_token": self._csrf_token(html), "decline_message": "Trop cher"})
        self.assertEqual(quote.state, "cancel")
        self.assertFalse(quote.fap_declined)
        # Odoo's cancelled quote page, not the app's.
        self.assertNotIn('id="fap_closed"', self.open_as_visitor(quote.get_portal_url()).text)

    def test_an_invoice_made_elsewhere_shows_odoos_page_and_its_pro_forma(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer_en.id,
                "invoice_line_ids": [Command.create({"product_id": self.product.id, "price_unit": 100.0})],
            }
        )
        invoice.action_post()
        invoice._portal_ensure_token()
        self.assertFalse(invoice._fap_in_flow())
        html = self.open_as_visitor(invoice.get_portal_url()).text
        self.assertIn(invoice.name, html)
        self.assertNotIn('id="fap_invoice"', html)
        # Never sent: Odoo serves its pro forma and attaches nothing.
        self.assertIn("Proforma", self.open_as_visitor(invoice.get_portal_url(report_type="html")).text)
        self.assertFalse(invoice.invoice_pdf_report_id)
        invoice.button_draft()
        invoice.button_cancel()
        self.assertNotIn('id="fap_closed"', self.open_as_visitor(invoice.get_portal_url()).text)

    def test_an_invoice_of_a_quote_approved_in_the_app_is_the_apps_even_when_made_by_hand(self):
        self.company.fap_auto_invoice = False
        quote = self._make_quote()
        self._approve(quote)
        self.assertFalse(quote.invoice_ids)
        quote.order_line.qty_delivered = 2
        invoice = quote._create_invoices()
        invoice.action_post()
        self.assertTrue(invoice._fap_in_flow())
        self.assertIn('id="fap_invoice"', self.open_as_visitor(invoice.get_portal_url()).text)
