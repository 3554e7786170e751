from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.misc import get_lang

# Weeks of money collected on the home screen's chart, the current one last.
CHART_WEEKS = 8
PERIODS = (30, 90)
# Each figure of the home screen and the model it reads.
FIGURE_MODELS = {
    "to_collect": "account.move",
    "overdue": "account.move",
    "payment_delay": "account.move",
    "paid_month": "account.payment",
    "chart": "account.payment",
    "awaiting": "sale.order",
    "approval": "sale.order",
}


class FactureAPayerHome(models.AbstractModel):
    """« Accueil »: the figures the merchant looks at every morning, each with the list behind it.

    Every figure is one grouped query on a domain; the same domain opens its list, so a figure and its list agree.
    """

    _name = "facture_a_payer.home"
    _description = "Facture à payer home screen"

    @api.model
    def _fap_domains(self, period):
        """The domain of each figure, in the current company (its currency is the figures')."""
        today = fields.Date.context_today(self)
        since = fields.Datetime.subtract(fields.Datetime.now(), days=period)
        company = Domain("company_id", "=", self.env.company.id)
        open_invoices = company & Domain(self.env["account.move"]._fap_reminder_candidates_domain())
        return {
            "to_collect": open_invoices,
            "overdue": open_invoices & Domain("invoice_date_due", "<", today),
            "paid_month": self._fap_collected_domain(today.replace(day=1)),
            # A quote past its validity can no longer be approved: it awaits nothing.
            "awaiting": company
            & Domain("state", "=", "sent")
            & (Domain("validity_date", "=", False) | Domain("validity_date", ">=", today)),
            "approval": company
            & Domain("fap_sent_at", ">=", since)
            & Domain("state", "in", ["sent", "sale", "cancel"]),
            "payment_delay": company
            & Domain(
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("fap_sent_at", "!=", False),
                    ("payment_state", "in", ["paid", "in_payment"]),
                ]
            ),
        }

    @api.model
    def _fap_collected_domain(self, since):
        """The money kept from customers since ``since``: their payments received, less what was refunded to them
        (outbound customer payments, which the sums subtract). A second payment refunded at once (a duplicate) and
        its refund are left out: that money was never kept."""
        return Domain(
            [
                ("company_id", "=", self.env.company.id),
                ("payment_type", "in", ["inbound", "outbound"]),
                ("partner_type", "=", "customer"),
                ("state", "in", ["in_process", "paid"]),
                ("date", ">=", since),
            ]
        ) & Domain(
            "payment_transaction_id",
            "not any",
            [
                "|",
                ("fap_duplicate", "=", True),
                ("source_transaction_id.fap_duplicate", "=", True),
            ],
        )

    @api.model
    def _fap_paid_invoices_delays(self, domain, period):
        """{invoice id: days from its sending to its payment} of the invoices paid in the last ``period`` days.

        An invoice is paid on the date of the last payment reconciled with it (Odoo keeps no such date on it); it was
        sent on the day of the user's clock.
        """
        since = fields.Date.context_today(self) - timedelta(days=period)
        query = self.env["account.move"]._search(domain)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT move.id,
                       GREATEST(MAX(partial.max_date) - (move.fap_sent_at AT TIME ZONE 'UTC' AT TIME ZONE %s)::date, 0)
                  FROM account_move move
                  JOIN account_move_line line ON line.move_id = move.id AND line.display_type = 'payment_term'
                  JOIN account_partial_reconcile partial ON partial.debit_move_id = line.id
                 WHERE move.id IN %s
              GROUP BY move.id
                HAVING MAX(partial.max_date) >= %s
                """,
                self.env.context.get("tz") or self.env.user.tz or "UTC",
                query.subselect(),
                since,
            )
        )
        return dict(rows)

    @api.model
    def fap_get_figures(self, period=30):
        """The home screen's figures, in the company's currency; a figure the user may not read (a salesperson
        without invoicing rights reads no payment) is ``None`` and not shown."""
        period = period if period in PERIODS else PERIODS[0]
        domains = self._fap_domains(period)
        readable = {model: self.env[model].has_access("read") for model in FIGURE_MODELS.values()}
        figures = {"currency_id": self.env.company.currency_id.id, "period": period}
        if readable["account.move"]:
            figures.update(self._fap_invoice_figures(domains, period))
        if readable["account.payment"]:
            figures.update(self._fap_payment_figures(domains))
        if readable["sale.order"]:
            figures.update(self._fap_quote_figures(domains))
        return {**dict.fromkeys(FIGURE_MODELS), **figures}

    @api.model
    def _fap_invoice_figures(self, domains, period):
        Move = self.env["account.move"]
        today = fields.Date.context_today(self)
        [(collect_total, collect_count)] = Move._read_group(
            domains["to_collect"], aggregates=["amount_residual_signed:sum", "__count"]
        )
        [(overdue_total, overdue_count, oldest_due)] = Move._read_group(
            domains["overdue"], aggregates=["amount_residual_signed:sum", "__count", "invoice_date_due:min"]
        )
        delays = self._fap_paid_invoices_delays(domains["payment_delay"], period)
        return {
            "to_collect": {"amount": collect_total, "count": collect_count},
            "overdue": {
                "amount": overdue_total,
                "count": overdue_count,
                "oldest_days": (today - oldest_due).days if oldest_due else 0,
            },
            "payment_delay": {
                "days": round(sum(delays.values()) / len(delays), 1) if delays else None,
                "count": len(delays),
            },
        }

    @api.model
    def _fap_payment_figures(self, domains):
        Payment = self.env["account.payment"]
        today = fields.Date.context_today(self)
        # Refunds subtract (their signed amount is negative); the count is of the payments received.
        paid_month = Payment._read_group(
            domains["paid_month"], ["payment_type"], ["amount_company_currency_signed:sum", "__count"]
        )
        paid_total = sum(total for __, total, __ in paid_month)
        paid_count = sum(count for payment_type, __, count in paid_month if payment_type == "inbound")
        # Weeks start on the day the user's language says, as the grouping by week does.
        first_week_day = int(get_lang(self.env).week_start) - 1
        week_start = today - timedelta(days=(today.weekday() - first_week_day) % 7)
        weeks = [week_start - timedelta(weeks=n) for n in range(CHART_WEEKS - 1, -1, -1)]
        collected = dict(
            Payment._read_group(
                self._fap_collected_domain(weeks[0]), ["date:week"], ["amount_company_currency_signed:sum"]
            )
        )
        return {
            "paid_month": {"amount": paid_total, "count": paid_count},
            "chart": [{"week": fields.Date.to_string(week), "amount": collected.get(week, 0.0)} for week in weeks],
        }

    @api.model
    def _fap_quote_figures(self, domains):
        Order = self.env["sale.order"]
        awaiting = Order._read_group(domains["awaiting"], ["currency_id"], ["amount_total:sum", "__count"])
        approval = dict(Order._read_group(domains["approval"], ["state"], ["__count"]))
        sent = sum(approval.values())
        return {
            "awaiting": {
                "count": sum(count for __, __, count in awaiting),
                # Quotes in another currency are counted, not added up.
                "amount": sum(total for currency, total, __ in awaiting if currency == self.env.company.currency_id),
            },
            "approval": {
                "rate": round(100 * approval.get("sale", 0) / sent) if sent else None,
                "approved": approval.get("sale", 0),
                "sent": sent,
            },
        }

    @api.model
    def action_fap_home(self):
        action = self.env["ir.actions.actions"]._for_xml_id("facture_a_payer.facture_a_payer_home_action")
        return {**action, "target": "main"}

    @api.model
    def action_fap_open_figure(self, figure, period=30):
        """The list behind a figure of the home screen."""
        period = period if period in PERIODS else PERIODS[0]
        self.env[FIGURE_MODELS[figure]].check_access("read")
        domain = self._fap_domains(period)[figure]
        names = {
            "to_collect": self.env._("To collect"),
            "overdue": self.env._("Overdue"),
            "paid_month": self.env._("Paid this month"),
            "awaiting": self.env._("Awaiting an answer"),
            # Short: the title fits a phone's bar beside the back arrow; the bottom tab says quotes or invoices.
            "approval": self.env._("Sent (%s days)", period),
            "payment_delay": self.env._("Paid (%s days)", period),
        }
        if figure == "payment_delay":
            domain = Domain("id", "in", list(self._fap_paid_invoices_delays(domain, period)))
        xmlid = {
            "paid_month": "account.action_account_payments",
            "awaiting": "facture_a_payer.sale_order_action_fap",
            "approval": "facture_a_payer.sale_order_action_fap",
        }.get(figure, "facture_a_payer.account_move_action_fap")
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        if figure == "paid_month":
            # Odoo's customer payments, without its default filter: the domain says which.
            action["context"] = {"create": False}
        # Each figure's domain holds its action's own (customer invoices) and more. No help nor sample records for an
        # empty list (the figure said it is empty; a help sent this way would show as raw HTML).
        action.pop("help", None)
        return {
            **action,
            "name": names[figure],
            "display_name": names[figure],
            "domain": list(domain),
            "target": "current",
            "useSampleModel": False,
        }
