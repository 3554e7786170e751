import threading
import time
from datetime import timedelta

import requests
from freezegun import freeze_time
from lxml import html

from odoo import SUPERUSER_ID, api, fields
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

from .common import FapSandboxCase

CARD_SUCCESS = "4242424242424242"


class MerchantCase(FapSandboxCase):
    """What the merchant's tours need: a Québec customer, two catalogue products, quotes, a paying customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("sale.automatic_invoice", False)
        admin = cls.env.ref("base.user_admin")
        # The tours read English labels, whatever the database's admin speaks.
        admin.lang = "en_US"
        # The tours log in as admin: quotes, taxes, the SMS sender and the payment provider are in their company.
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=admin.company_id.ids))
        if cls.company != cls.env.company:
            cls.company = cls.env.company
            cls.wire_twilio(cls.company)
        cls.gst_qst = cls.env["account.chart.template"].with_company(cls.company).ref("gstqst_sale_tax_14975")
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Plomberie Laval",
                "email": "compta@plomberie-laval.example",
                "phone": "+1 514-555-0142",
                "country_id": cls.env.ref("base.ca").id,
                "state_id": cls.env.ref("base.state_ca_qc").id,
            }
        )
        # Favourites come first in the catalogue: the merchant finds them without searching.
        cls.heater = cls.env["product.product"].create(
            {
                "name": "FAP Chauffe-eau 40 gal",
                "type": "consu",
                "list_price": 800.0,
                "taxes_id": [Command.set(cls.gst_qst.ids)],
                "is_favorite": True,
            }
        )
        cls.labour = cls.env["product.product"].create(
            {
                "name": "FAP Heure de travail",
                "type": "service",
                "list_price": 100.0,
                "taxes_id": [Command.set(cls.gst_qst.ids)],
                "is_favorite": True,
            }
        )

    def _quote(self, name, state="sent"):
        order = self.env["sale.order"].create(
            {
                "name": name,
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create({"product_id": self.heater.id, "product_uom_qty": 1}),
                    Command.create({"product_id": self.labour.id, "product_uom_qty": 2}),
                ],
            }
        )
        order.state = state
        return order

    def _taps(self, key):
        """The taps a tour counted (see ``reportTaps`` in merchant_tours.js)."""
        return int(self.env["ir.config_parameter"].get_param(f"facture_a_payer.test_taps.{key}", -1))

    def setUp(self):
        super().setUp()
        self.logged_in = threading.Event()

    def authenticate(self, user, password, browser=None):
        res = super().authenticate(user, password, browser=browser)
        # From here the test's own cursor rests while the browser plays the tour: another thread may use the
        # database (through test cursors) without racing it on the shared connection.
        self.logged_in.set()
        return res

    def _check_payment_on_the_spot(self):
        """« Payer » on the quote's details, the customer pays from the QR code's link: « Payée », the books."""
        provider = self.enable_stripe_checkout()
        order = self._quote("FAP-PAY-NOW")
        customer = threading.Thread(target=self._customer_pays_once_invoiced, args=(order.id, provider.id))
        self.customer_error = None
        customer.start()
        try:
            self.start_tour("/odoo/fap-quotes", "fap_merchant_pay_now", login="admin", timeout=120)
        except AssertionError as tour_failure:
            customer.join(timeout=90)
            # The screen waits for a payment: say why the customer's side did not pay.
            if self.customer_error:
                raise AssertionError(f"The customer could not pay: {self.customer_error!r}") from tour_failure
            raise
        customer.join(timeout=90)
        self.assertIsNone(self.customer_error)

        self.env.invalidate_all()
        self.assertEqual(order.state, "sale")
        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_total, 1149.75)
        tx = invoice.transaction_ids
        self.assertEqual(tx.provider_id, provider)
        self.assertEqual(tx.state, "done")
        self.assertAlmostEqual(tx.amount, 1149.75)
        self.assertEqual(invoice.fap_status, "paid")
        # What Odoo's cron (or the customer's status page) does next: the payment lands in the books.
        tx._post_process()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertAlmostEqual(invoice.amount_residual, 0.0)

    def _customer_pays_once_invoiced(self, order_id, provider_id):
        """The customer in front of the merchant: opens the QR code's link and pays on the sandbox's Stripe page.

        Runs beside the tour: waits for the invoice « Payer » creates, then goes through HTTP only.
        """
        try:
            if not self.logged_in.wait(timeout=60):
                raise TimeoutError("the tour did not start")
            deadline = time.monotonic() + 60
            invoice = None
            while not invoice:
                if time.monotonic() > deadline:
                    raise TimeoutError("« Payer » made no invoice")
                time.sleep(0.5)
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    move = env["sale.order"].browse(order_id).invoice_ids.filtered(lambda m: m.state == "posted")[:1]
                    if move:
                        provider = env["payment.provider"].browse(provider_id)
                        invoice = {
                            "id": move.id,
                            "url": move._fap_get_share_url(),
                            "access_token": move.access_token,
                            "amount": move.amount_residual,
                            "payment_method_id": provider.payment_method_ids[:1].id,
                        }
            # A phone of its own (no session), let in by HttpCase's key for the requests of this tour.
            phone = requests.Session()
            phone.cookies.set(TEST_CURSOR_COOKIE_NAME, self.http_request_key)
            page = phone.get(invoice["url"], timeout=30)
            page.raise_for_status()
            result = phone.post(
                f"{self.base_url()}/invoice/transaction/{invoice['id']}",
                json={
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "access_token": invoice["access_token"],
                        "provider_id": provider_id,
                        "payment_method_id": invoice["payment_method_id"],
                        "token_id": None,
                        "amount": invoice["amount"],
                        "flow": "redirect",
                        "tokenization_requested": False,
                        "landing_route": invoice["url"],
                        "is_validation": False,
                    },
                },
                timeout=30,
            ).json()
            if "error" in result:
                raise AssertionError(result["error"])
            hosted_page = html.fromstring(result["result"]["redirect_form_html"]).get("action")
            phone.get(hosted_page, timeout=30).raise_for_status()
            paid = phone.post(f"{hosted_page}/pay", data={"cardnumber": CARD_SUCCESS}, timeout=30)
            paid.raise_for_status()
        except Exception as error:  # noqa: BLE001 - reported by the test's thread
            self.customer_error = error

    def _check_approval(self):
        """« Approuver pour le client » on the details: a posted invoice, listed under « Factures »."""
        order = self._quote("FAP-APPROVE")

        self.start_tour("/odoo/fap-quotes", "fap_merchant_approve", login="admin")

        self.env.invalidate_all()
        self.assertEqual(order.state, "sale")
        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual((invoice.move_type, invoice.state), ("out_invoice", "posted"))
        self.assertAlmostEqual(invoice.amount_total, 1149.75)
        self.assertEqual(invoice.fap_status, "approved")
        self.assertIn(invoice, self.env["account.move"].search([("fap_status", "=", "approved")]))


@tagged("post_install", "-at_install")
class TestMerchantQuotes(MerchantCase):
    def test_new_quotes_left_empty_are_deleted_after_a_day(self):
        Order = self.env["sale.order"]
        empty = Order.create({"partner_id": self.customer.id, "fap_flow": True})
        started = self._quote_of(self.labour)
        sent = Order.create({"partner_id": self.customer.id, "fap_flow": True, "fap_sent_at": fields.Datetime.now()})
        outside = Order.create({"partner_id": self.customer.id})
        old = empty | started | sent | outside
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sale_order SET create_date = create_date - interval '2 days' WHERE id IN %s", [tuple(old.ids)]
        )
        self.env.invalidate_all()
        today = Order.create({"partner_id": self.customer.id, "fap_flow": True})
        Order._gc_fap_empty_quotes()
        self.assertFalse(empty.exists())
        self.assertEqual((started | sent | outside | today).exists(), started | sent | outside | today)

    def test_a_new_product_from_a_quote_is_a_service_without_price_and_goes_last(self):
        order = self._quote_of(self.labour)
        self.env["sale.order.line"].create({"order_id": order.id, "product_id": self.heater.id, "sequence": 30})
        action = order.action_fap_new_product()
        Product = self.env["product.product"].with_context(**action["context"])
        self.assertEqual(dict(Product._fields["fap_kind"].selection), {"service": "Service", "consu": "Goods"})
        product = Product.create({"name": "Gâteau de noces"})
        self.assertEqual((product.type, product.lst_price, product.sale_ok), ("service", 0.0, True))
        product.action_fap_add_to_order()
        self.assertEqual(order.order_line.sorted("sequence")[-1].product_id, product)

    def _quote_of(self, product):
        return self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "fap_flow": True,
                "order_line": [Command.create({"product_id": product.id})],
            }
        )


@tagged("post_install", "-at_install")
class TestMerchantScreens(MerchantCase):
    """The merchant's screens on a phone (375 × 667, touch): tours click, the books are checked after."""

    browser_size = "375x667"
    touch_enabled = True

    def test_merchant_sends_a_quote_with_two_catalogue_products_in_at_most_12_taps(self):
        self.start_tour("/odoo/fap-quotes", "fap_merchant_quote_send", login="admin")

        taps = self._taps("quote_sent")
        self.assertGreater(taps, 0)
        self.assertLessEqual(taps, 12, "from « + » to a sent quote")
        order = self.env["sale.order"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "sent")
        self.assertEqual(order.order_line.product_id, self.heater | self.labour)
        self.assertEqual(order.order_line.mapped("product_uom_qty"), [1.0, 1.0])
        self.assertAlmostEqual(order.amount_untaxed, 900.0)
        self.assertAlmostEqual(order.amount_total, 1034.78)
        # The sending cron the button triggered sends it after the response.
        self.assertEqual(order.fap_send_state, "queued")
        self.run_send_queue()
        # The sandbox keeps the class's messages: this quote's.
        sms = [
            message
            for message in self.sandbox.twilio.messages
            if message["to"] == "+15145550142" and order.name in message["body"]
        ]
        self.assertEqual(len(sms), 1, "the customer got the quote's link by SMS")

    def test_a_merchant_working_in_french_sends_a_quote_without_an_english_word_on_screen(self):
        self.env["res.lang"]._activate_lang("fr_CA")
        self.env["ir.module.module"]._load_module_terms(["facture_a_payer"], ["fr_CA"], overwrite=True)
        self.env.ref("base.user_admin").lang = "fr_CA"
        self.start_tour("/odoo/fap-quotes", "fap_merchant_quote_send_fr", login="admin")
        order = self.env["sale.order"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((order.state, order.fap_send_state), ("sent", "queued"))
        self.run_send_queue()
        self.assertEqual((order.state, order.fap_send_state), ("sent", "sent"))

    def test_the_catalogue_saves_every_tap_before_going_back_to_the_quote(self):
        # A slow phone network delays each tap's save by 1.5 s: Odoo's catalogue went back to the quote before its
        # saves landed, and the quote showed fewer lines than it had. The tour checks the quote's total with both
        # products as soon as it is back on the quote.
        self.start_tour("/odoo/fap-quotes", "fap_merchant_quote_send_slow_network", login="admin")

        order = self.env["sale.order"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(order.order_line.product_id, self.heater | self.labour)
        self.assertAlmostEqual(order.amount_total, 1034.78)

    def test_merchant_creates_a_customer_and_a_product_from_the_quote(self):
        self.start_tour("/odoo/fap-quotes", "fap_merchant_new_customer_product", login="admin")

        customer = self.env["res.partner"].search([("name", "=", "Boulangerie Saint-Roch")])
        self.assertEqual(len(customer), 1)
        self.assertEqual(customer.email, "bonjour@boulangerie.example")
        self.assertEqual(customer._fap_get_sms_number(), "+14185550199")
        product = self.env["product.product"].search([("name", "=", "Gâteau de noces")])
        self.assertEqual(len(product), 1, "the new product is in the catalogue")
        self.assertEqual((product.type, product.lst_price, product.sale_ok), ("service", 250.0, True))
        order = self.env["sale.order"].search([("partner_id", "=", customer.id)])
        self.assertEqual(order.state, "draft")
        self.assertEqual(
            {line.product_id: line.product_uom_qty for line in order.order_line},
            {product: 2.0, self.heater: 1.0},
        )

    def test_merchant_takes_the_payment_on_the_spot_with_the_qr_code(self):
        self._check_payment_on_the_spot()

    def test_merchant_approves_a_quote_into_an_invoice(self):
        self._check_approval()

    def test_merchant_sees_the_next_reminder_and_those_sent_and_pauses_them(self):
        self.company.partner_id.tz = "America/Montreal"
        self.env["facture_a_payer.reminder.step"]._fap_create_default_cadence(self.company)
        today = fields.Date.context_today(self.env.user)
        # A customer of its own: the class's sandbox keeps what the other tests sent to the class's customer.
        customer = self.customer.copy({"name": "Chauffage Roy", "phone": "+1 514-555-0188"})
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_line_ids": [Command.create({"product_id": self.labour.id, "quantity": 2})],
            }
        )
        invoice.action_post()
        invoice.invoice_date_due = today + timedelta(days=3)
        # Sent five days ago; the reminder of three days before the due date went out today at 10:00 in Montréal.
        with freeze_time(today - timedelta(days=5)), self.smtp_live():
            self.send(invoice)
        self.run_reminder_cron(f"{today} 15:00")
        self.assertEqual(invoice.fap_reminder_ids.step_name, "3 days before the due date")
        self.assertEqual(invoice.fap_next_reminder_date, today + timedelta(days=3))

        self.start_tour("/odoo/fap-invoices", "fap_merchant_reminders", login="admin")
        self.assertTrue(invoice.fap_reminder_paused)
        self.assertEqual((invoice.fap_reminder_status, invoice.fap_next_reminder_date), ("paused", False))

    def _invoice(self, customer_name, post=True):
        customer = self.customer.copy({"name": customer_name})
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "fap_flow": True,
                "invoice_line_ids": [Command.create({"product_id": self.labour.id, "quantity": 2})],
            }
        )
        if post:
            invoice.action_post()
        return invoice

    def test_a_draft_invoice_is_edited_confirmed_and_sent_from_its_details(self):
        invoice = self._invoice("Chauffage Draft", post=False)
        self.start_tour("/odoo/fap-invoices", "fap_merchant_draft_invoice", login="admin")
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.fap_send_state, "queued", "sent by the sending cron, after the response")
        self.run_send_queue()
        self.assertTrue(invoice.is_move_sent)
        self.assertEqual(invoice.fap_send_state, "sent")

    def test_a_reload_or_a_shared_link_keeps_the_apps_details(self):
        self._quote("FAP-RELOAD")
        self.start_tour("/odoo/fap-quotes", "fap_merchant_reload_quote", login="admin")
        invoice = self._invoice("Chauffage Reload")
        self.start_tour("/odoo/fap-invoices", "fap_merchant_reload_invoice", login="admin")
        # The invoice an e-Transfer paid, from the e-Transfer's record.
        transfer = self.env["facture_a_payer.interac.transfer"].create(
            {"state": "matched", "invoice_id": invoice.id, "amount": invoice.amount_total, "sender_name": "ROY"}
        )
        self.start_tour(f"/odoo/fap-interac/{transfer.id}", "fap_merchant_interac_invoice_link", login="admin")


@tagged("post_install", "-at_install")
class TestMerchantScreensDesktop(MerchantCase):
    """The same screens on a desktop (Odoo's default 1366 × 768): nothing is phone-only."""

    def test_merchant_takes_the_payment_on_the_spot_with_the_qr_code_on_a_desktop(self):
        self._check_payment_on_the_spot()

    def test_merchant_approves_a_quote_into_an_invoice_on_a_desktop(self):
        self._check_approval()


@tagged("post_install", "-at_install")
class TestMerchantStatus(FapSandboxCase):
    """The badges and the status filters of « Soumissions » and « Factures »."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("sale.automatic_invoice", False)
        cls.customer = cls.env["res.partner"].create({"name": "Quincaillerie Status", "email": "q@status.example"})
        cls.product = cls.env["product.product"].create(
            {"name": "FAP Status service", "type": "service", "list_price": 50.0}
        )

    def _quote(self):
        return self.env["sale.order"].create(
            {"partner_id": self.customer.id, "order_line": [Command.create({"product_id": self.product.id})]}
        )

    def _by_status(self, model, status):
        # « Factures » lists customer invoices only (the payment's own entry has the customer too).
        invoices_only = [("move_type", "=", "out_invoice")] if model == "account.move" else []
        return self.env[model].search(
            [("partner_id", "=", self.customer.id), ("fap_status", "=", status), *invoices_only]
        )

    def test_quotes_and_invoices_are_found_by_their_badge(self):
        draft, sent, declined, approved, paid, overdue = (self._quote() for _ in range(6))
        sent.state = "sent"
        declined.write({"state": "cancel", "fap_declined": True, "fap_declined_reason": "Trop cher"})
        (approved | paid | overdue)._fap_confirm_and_invoice()
        paid_invoice, overdue_invoice = paid.invoice_ids, overdue.invoice_ids
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid_invoice.ids
        ).create({})._create_payments()
        # Three days past due (no payment terms: the due date is the invoice's own).
        overdue_invoice.button_draft()
        overdue_invoice.write(
            {"invoice_payment_term_id": False, "invoice_date_due": fields.Date.subtract(fields.Date.today(), days=3)}
        )
        overdue_invoice.action_post()
        self.env.invalidate_all()

        self.assertEqual(
            [order.fap_status for order in (draft, sent, declined, approved, paid, overdue)],
            ["draft", "sent", "declined", "approved", "paid", "overdue"],
        )
        for order in (draft, sent, declined, approved, paid, overdue):
            self.assertEqual(self._by_status("sale.order", order.fap_status), order, order.fap_status)
        self.assertEqual(approved.invoice_ids.fap_status, "approved")
        self.assertEqual(self._by_status("account.move", "approved"), approved.invoice_ids)
        self.assertEqual(self._by_status("account.move", "paid"), paid_invoice)
        self.assertEqual(self._by_status("account.move", "overdue"), overdue_invoice)
