import json
import re
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from .test_merchant_screens import MerchantCase


def amount_of(text):
    """« 1 234,56 $ » as the screen shows it, in French (Canada): 1234.56."""
    return float(re.sub(r"[^\d,.-]", "", text).replace(",", "."))


def numbers_of(text):
    return [float(number.replace(",", ".")) for number in re.findall(r"\d+(?:,\d+)?", text.replace("\u202f", ""))]


@tagged("post_install", "-at_install")
class TestMerchantHome(MerchantCase):
    """« Accueil » at a phone's size, in French: the figures agree with the books, each opens its list."""

    browser_size = "375x667"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_CA")
        cls.env["ir.module.module"]._load_module_terms(["facture_a_payer"], ["fr_CA"], overwrite=True)
        cls.today = fields.Date.context_today(cls.env.user)
        cls.now = fields.Datetime.now()

    def _invoice(self, quantity, due_in, sent_days_ago=None):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": self.today - timedelta(days=60),
                "invoice_line_ids": [Command.create({"product_id": self.labour.id, "quantity": quantity})],
            }
        )
        invoice.action_post()
        invoice.invoice_date_due = self.today + timedelta(days=due_in)
        if sent_days_ago is not None:
            invoice.fap_sent_at = self.now - timedelta(days=sent_days_ago)
        return invoice

    def _pay(self, invoice, days_ago, amount=None):
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {"payment_date": self.today - timedelta(days=days_ago), **({"amount": amount} if amount else {})}
        )._create_payments()

    def _quote_sent(self, name, days_ago, state):
        order = self._quote(name, state="sent")
        order.fap_sent_at = self.now - timedelta(days=days_ago)
        order.state = state
        return order

    def _books(self):
        """The figures as an accountant would compute them, record by record."""
        company = self.env.company
        invoices = self.env["account.move"].search(
            [("company_id", "=", company.id), ("move_type", "=", "out_invoice"), ("state", "=", "posted")]
        )
        open_invoices = invoices.filtered(lambda inv: inv.payment_state in ("not_paid", "partial"))
        overdue = open_invoices.filtered(lambda inv: inv.invoice_date_due < self.today)
        payments = self.env["account.payment"].search(
            [("company_id", "=", company.id), ("payment_type", "=", "inbound"), ("partner_type", "=", "customer")]
        )
        month = payments.filtered(
            lambda pay: pay.state in ("in_process", "paid") and pay.date >= self.today.replace(day=1)
        )
        orders = self.env["sale.order"].search([("company_id", "=", company.id)])
        sent_30 = orders.filtered(
            lambda order: (
                order.fap_sent_at and order.fap_sent_at >= self.now - timedelta(days=30) and order.state != "draft"
            )
        )
        delays = []
        merchant = self.env.ref("base.user_admin")
        for invoice in invoices.filtered(lambda inv: inv.fap_sent_at and inv.payment_state in ("paid", "in_payment")):
            paid_on = max(invoice.line_ids.matched_credit_ids.mapped("max_date"))
            # Sent on the merchant's clock.
            sent_on = fields.Datetime.context_timestamp(merchant, invoice.fap_sent_at).date()
            if paid_on >= self.today - timedelta(days=30):
                delays.append(max((paid_on - sent_on).days, 0))
        return {
            "to_collect": (sum(open_invoices.mapped("amount_residual")), len(open_invoices)),
            "overdue": (
                sum(overdue.mapped("amount_residual")),
                len(overdue),
                max((self.today - inv.invoice_date_due).days for inv in overdue),
            ),
            "paid_month": (sum(month.mapped("amount")), len(month)),
            "awaiting": len(
                orders.filtered(
                    lambda order: (
                        order.state == "sent" and (not order.validity_date or order.validity_date >= self.today)
                    )
                )
            ),
            "approval": (len(sent_30.filtered(lambda order: order.state == "sale")), len(sent_30)),
            "payment_delay": (sum(delays) / len(delays), len(delays)),
        }

    def test_home_shows_where_the_money_is_and_each_figure_opens_its_list(self):
        self._invoice(1, due_in=10, sent_days_ago=2)
        self._invoice(2, due_in=-12, sent_days_ago=40)
        partly = self._invoice(3, due_in=-3, sent_days_ago=20)
        self._pay(partly, days_ago=0, amount=100.0)
        paid_today = self._invoice(1, due_in=5, sent_days_ago=4)
        self._pay(paid_today, days_ago=0)
        # Sent 24 days ago: the average delay is a whole number of days, shown without « ,0 ».
        paid_earlier = self._invoice(1, due_in=5, sent_days_ago=24)
        self._pay(paid_earlier, days_ago=16)
        self._quote_sent("FAP-HOME-1", 5, "sent")
        self._quote_sent("FAP-HOME-2", 10, "sale")
        self._quote_sent("FAP-HOME-3", 20, "cancel")
        self._quote_sent("FAP-HOME-4", 50, "sale")
        admin = self.env.ref("base.user_admin")
        admin.write({"lang": "fr_CA", "action_id": self.env.ref("facture_a_payer.facture_a_payer_home_action").id})
        books = self._books()

        self.start_tour("/odoo", "fap_merchant_home", login="admin", timeout=180)

        shown = json.loads(self.env["ir.config_parameter"].get_param("facture_a_payer.test_home.figures"))
        self.assertAlmostEqual(amount_of(shown["to_collect"]["value"]), books["to_collect"][0], places=2)
        self.assertEqual(numbers_of(shown["to_collect"]["hint"]), [books["to_collect"][1]])
        self.assertAlmostEqual(amount_of(shown["overdue"]["value"]), books["overdue"][0], places=2)
        self.assertEqual(numbers_of(shown["overdue"]["hint"]), [books["overdue"][1], books["overdue"][2]])
        self.assertIn("en retard", shown["overdue"]["hint"])
        self.assertAlmostEqual(amount_of(shown["paid_month"]["value"]), books["paid_month"][0], places=2)
        self.assertEqual(numbers_of(shown["paid_month"]["hint"]), [books["paid_month"][1]])
        self.assertEqual(int(shown["awaiting"]["value"]), books["awaiting"])
        approved, sent = books["approval"]
        self.assertEqual(numbers_of(shown["approval"]["value"]), [round(100 * approved / sent)])
        self.assertEqual(numbers_of(shown["approval"]["hint"]), [approved, sent])
        days, paid = books["payment_delay"]
        self.assertEqual(numbers_of(shown["payment_delay"]["value"]), [round(days, 1)])
        # A whole number of days reads « 4 jours », not « 4,0 jours ».
        self.assertEqual(days, round(days))
        self.assertEqual(shown["payment_delay"]["value"].strip(), f"{days:g} jours")
        self.assertEqual(numbers_of(shown["payment_delay"]["hint"]), [paid])
        # The chart's last bar is this week, the payments of today are in it.
        self.assertGreaterEqual(shown["chart"][-1], 100.0 + paid_today.amount_total)
        self.assertEqual(len(shown["chart"]), 8)

        def listed(figure):
            return int(self.env["ir.config_parameter"].get_param(f"facture_a_payer.test_home.list.{figure}"))

        self.assertEqual(listed("to_collect"), books["to_collect"][1])
        self.assertEqual(listed("overdue"), books["overdue"][1])
        self.assertEqual(listed("paid_month"), books["paid_month"][1])
        self.assertEqual(listed("awaiting"), books["awaiting"])
        self.assertEqual(listed("approval"), sent)
        self.assertEqual(listed("payment_delay"), paid)

    def test_home_reads_its_figures_in_a_few_queries_however_many_documents(self):
        Home = self.env["facture_a_payer.home"]
        for index in range(3):
            self._invoice(1, due_in=-index, sent_days_ago=5)
        Home.fap_get_figures(90)
        # Seven grouped queries; the others read the user, the company and its partner after the invalidation.
        self.env.invalidate_all()
        with self.assertQueryCount(11):
            Home.fap_get_figures(90)
        for index in range(20):
            self._pay(self._invoice(1, due_in=-index, sent_days_ago=5), days_ago=index % 7)
            self._quote_sent(f"FAP-HOME-Q{index}", index, "sale")
        self.env.invalidate_all()
        with self.assertQueryCount(11):
            Home.fap_get_figures(90)

    def test_a_salesperson_without_invoicing_rights_sees_the_figures_they_may_read(self):
        salesperson = self.env["res.users"].create(
            {
                "name": "Vendeur Seulement",
                "login": "fap_home_salesperson",
                "group_ids": [Command.set(self.env.ref("sales_team.group_sale_salesman").ids)],
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
            }
        )
        self.assertFalse(self.env["account.payment"].with_user(salesperson).has_access("read"))
        Home = self.env["facture_a_payer.home"].with_user(salesperson)
        figures = Home.fap_get_figures(30)
        self.assertIsNone(figures["paid_month"])
        self.assertIsNone(figures["chart"])
        self.assertIsNotNone(figures["awaiting"])
        with self.assertRaises(AccessError):
            Home.action_fap_open_figure("paid_month", 30)
        self.assertEqual(Home.action_fap_open_figure("awaiting", 30)["res_model"], "sale.order")

    def test_the_figures_are_the_current_companys(self):
        self._invoice(1, due_in=-3)
        here = self.env["facture_a_payer.home"].fap_get_figures(30)
        other = self.env["res.company"].create({"name": "Autre compagnie", "currency_id": self.env.ref("base.EUR").id})
        self.env.ref("base.user_admin").company_ids |= other
        elsewhere = self.env["facture_a_payer.home"].with_context(allowed_company_ids=[other.id, self.company.id])
        self.assertEqual(elsewhere.fap_get_figures(30)["to_collect"]["count"], 0, "none in the other company")
        both = self.env["facture_a_payer.home"].with_context(allowed_company_ids=[self.company.id, other.id])
        self.assertEqual(both.fap_get_figures(30)["to_collect"], here["to_collect"])

    def test_the_cross_of_a_quote_or_an_invoice_leads_home(self):
        order = self._quote("FAP-HOME-CLOSE")
        for record in (order, self.env["account.move"]):
            action = record.action_fap_close()
            self.assertEqual((action["tag"], action["target"]), ("facture_a_payer.home", "main"))
