from datetime import date

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged

from .send_common import FapSendCase


@tagged("post_install", "-at_install")
class TestReminderCurrencies(FapSendCase):
    """A customer owing in two currencies: a reminder never adds their amounts up."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "America/Montreal"
        cls.company.write(
            {
                "fap_reminders": True,
                "fap_reminder_hour_from": 9.0,
                "fap_reminder_hour_to": 20.0,
                "fap_reminder_skip_sunday": True,
                "fap_reminder_skip_holidays": True,
            }
        )
        cls.env["facture_a_payer.reminder.step"]._fap_create_default_cadence(cls.company)
        cls.other_currency = cls.env.ref("base.EUR" if cls.company.currency_id.name != "EUR" else "base.USD")
        cls.other_currency.active = True

    def _due_invoice(self, partner, due, price, currency):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "currency_id": currency.id,
                "invoice_date": "2026-03-02",
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create({"product_id": self.product.id, "price_unit": price, "tax_ids": False})
                ],
            }
        )
        invoice.action_post()
        invoice.invoice_date_due = due
        with freeze_time("2026-03-02 15:00"), self.smtp_live():
            self.send(invoice)
        return invoice

    def test_invoices_due_the_same_day_in_two_currencies_are_reminded_one_currency_a_day(self):
        partner = self._customer("Patrick O'Brien", lang="en_US", tz="America/Montreal")
        home = self._due_invoice(partner, "2026-03-16", 100.0, self.company.currency_id)
        other = self._due_invoice(partner, "2026-03-16", 250.0, self.other_currency)
        self.run_reminder_cron("2026-03-13 15:00")
        [sms] = self.received_sms(partner)[2:]
        self.assertNotIn("2 invoices", sms["body"], "amounts of two currencies added up")
        self.assertIn(home.name, sms["body"])
        self.assertIn(home.with_context(lang="en_US")._fap_get_sms_amount(100.0), sms["body"])
        self.assertEqual(home.fap_reminder_ids.state, "sent")
        self.assertFalse(other.fap_reminder_ids, "the other currency waits for the next day")
        # The next day (Saturday), the other currency's invoice alone, in its currency.
        self.run_reminder_cron("2026-03-14 15:00")
        [sms] = self.received_sms(partner)[3:]
        self.assertIn(other.name, sms["body"])
        self.assertIn(other.with_context(lang="en_US")._fap_get_sms_amount(250.0), sms["body"])
        self.assertEqual(other.fap_reminder_ids.state, "sent")
        self.assertEqual(other.fap_next_reminder_date, date(2026, 3, 16))


@tagged("post_install", "-at_install")
class TestHomeMoneyKept(FapSendCase):
    """« Payé ce mois-ci » and « Encaissé par semaine » of « Accueil » show the money kept: refunds subtract, a
    second payment refunded at once counts for nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.enable_stripe_checkout()
        cls.journal = cls.env["account.journal"].search(
            [("company_id", "=", cls.company.id), ("type", "=", "bank")], limit=1
        )

    def _payment(self, partner, amount, payment_type="inbound", transaction=None):
        payment = self.env["account.payment"].create(
            {
                "payment_type": payment_type,
                "partner_type": "customer",
                "partner_id": partner.id,
                "amount": amount,
                "journal_id": self.journal.id,
                "date": fields.Date.context_today(self.env.user),
                "payment_transaction_id": transaction and transaction.id,
            }
        )
        payment.action_post()
        return payment

    def _transaction(self, partner, amount, **values):
        return self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.env.ref("payment.payment_method_card").id,
                "reference": f"FAP-KEPT-{amount}-{values.get('operation', 'online_redirect')}",
                "amount": amount,
                "currency_id": self.company.currency_id.id,
                "partner_id": partner.id,
                "operation": "online_redirect",
                "state": "done",
                **values,
            }
        )

    def _figures(self):
        figures = self.env["facture_a_payer.home"].fap_get_figures()
        return figures["paid_month"]["amount"], figures["paid_month"]["count"], figures["chart"][-1]["amount"]

    def test_paid_this_month_and_the_chart_subtract_refunds_and_leave_out_refunded_duplicates(self):
        partner = self._customer("Élise Tremblay")
        before_amount, before_count, before_week = self._figures()
        # The invoice paid (100), paid again by a second payment page (100) which was refunded at once.
        self._payment(partner, 100.0)
        duplicate = self._transaction(partner, 100.0, fap_duplicate=True)
        self._payment(partner, 100.0, transaction=duplicate)
        refund = self._transaction(partner, -100.0, operation="refund", source_transaction_id=duplicate.id)
        self._payment(partner, 100.0, payment_type="outbound", transaction=refund)
        # Another customer paid 50, then got 30 back.
        other = self._customer("Marc Gagnon")
        self._payment(other, 50.0)
        self._payment(other, 30.0, payment_type="outbound")
        amount, count, week = self._figures()
        self.assertAlmostEqual(amount - before_amount, 120.0, msg="100 + 50 - 30 kept this month")
        self.assertEqual(count - before_count, 2, "two payments received, the duplicate not counted")
        self.assertAlmostEqual(week - before_week, 120.0, msg="the chart's current week")
        # The list behind the figure holds what it adds up.
        action = self.env["facture_a_payer.home"].action_fap_open_figure("paid_month")
        listed = self.env["account.payment"].search(action["domain"])
        self.assertAlmostEqual(sum(listed.mapped("amount_company_currency_signed")), amount)
