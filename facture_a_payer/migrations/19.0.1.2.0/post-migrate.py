from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Documents sent before reminders existed get their next reminder planned (issue 24)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["sale.order"]._fap_plan_reminders_of_sent_documents()
    env["account.move"]._fap_plan_reminders_of_sent_documents()
