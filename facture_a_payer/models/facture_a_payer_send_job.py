import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

BATCH_SIZE = 50
# The sending crons: each takes its share of the queued documents, so that Odoo's cron threads (or cron worker
# processes) send one mass sending together.
SEND_CRON_CODE = "model._fap_process()"


class FactureAPayerSendJob(models.Model):
    """A mass sending queued from a list, processed in batches by the sending crons (``ir_cron_fap_send_jobs``,
    ``ir_cron_fap_send_jobs_2``).

    The documents carry the job and their own state (queued → sent / failed, with the error): a batch is
    committed with their new state, so a document is never sent twice, even if a cron restarts. Its SMS are
    committed held with it and handed to Twilio only then (see ``sms.sms._fap_release``), so a crash while
    sending them cannot send one twice either.

    Each sending cron takes the documents whose id falls in its slot (id modulo the number of sending crons),
    and settles only the held SMS of its own slot: Odoo runs a cron in one thread at a time, so the SMS it
    settles cannot belong to a run still alive. The job's counts and state are read from its documents and
    never written while sending, so that the crons do not contend for the job's row.
    """

    _name = "facture_a_payer.send.job"
    _description = "Mass sending of documents"
    _order = "id desc"

    res_model = fields.Char(string="Document model", required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Requested by", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    order_ids = fields.One2many("sale.order", "fap_send_job_id", string="Quotes", readonly=True)
    invoice_ids = fields.One2many("account.move", "fap_send_job_id", string="Invoices", readonly=True)
    state = fields.Selection(
        [("queued", "Queued"), ("done", "Done")], compute="_compute_counts", search="_search_state"
    )
    total_count = fields.Integer(compute="_compute_counts")
    sent_count = fields.Integer(compute="_compute_counts")
    failed_count = fields.Integer(compute="_compute_counts")
    progress = fields.Float(compute="_compute_counts", help="Share of the documents handled, in percent")
    single = fields.Boolean(
        string="One document",
        readonly=True,
        help="One document sent by its « Save and send » button: the sending crons send it after the response; "
        "it is not a mass sending.",
    )

    @api.depends("order_ids.fap_send_state", "invoice_ids.fap_send_state")
    def _compute_counts(self):
        counts = {}
        for res_model, jobs in self.grouped("res_model").items():
            for job, state, count in self.env[res_model]._read_group(
                [("fap_send_job_id", "in", jobs.ids)], ["fap_send_job_id", "fap_send_state"], ["__count"]
            ):
                counts[job.id, state] = count
        for job in self:
            queued, sent, failed = (counts.get((job.id, state), 0) for state in ("queued", "sent", "failed"))
            job.total_count = queued + sent + failed
            job.sent_count = sent
            job.failed_count = failed
            job.state = "queued" if queued else "done"
            job.progress = 100.0 * (sent + failed) / job.total_count if job.total_count else 100.0

    def _search_state(self, operator, value):
        if operator != "in":
            return NotImplemented
        queued = Domain("order_ids", "any", [("fap_send_state", "=", "queued")]) | Domain(
            "invoice_ids", "any", [("fap_send_state", "=", "queued")]
        )
        return Domain.OR([queued if "queued" in value else Domain.FALSE, ~queued if "done" in value else Domain.FALSE])

    @api.depends_context("lang", "tz")
    def _compute_display_name(self):
        for job in self:
            documents = self.env._("quotes") if job.res_model == "sale.order" else self.env._("invoices")
            job.display_name = self.env._(
                "%(count)s %(documents)s queued on %(date)s",
                count=job.total_count,
                documents=documents,
                date=fields.Datetime.context_timestamp(job, job.create_date).strftime("%Y-%m-%d %H:%M"),
            )

    def action_fap_open_documents(self, failed_only=False):
        """The documents of this sending (or only those that failed), in the app's list."""
        self.ensure_one()
        domain = [("fap_send_job_id", "=", self.id)]
        if failed_only:
            domain.append(("fap_send_state", "=", "failed"))
        return {
            "type": "ir.actions.act_window",
            "name": self.display_name,
            "res_model": self.res_model,
            "view_mode": "list,form",
            "domain": domain,
            "context": {"create": False},
        }

    def action_fap_open_failed(self):
        return self.action_fap_open_documents(failed_only=True)

    @api.model
    def _fap_send_crons(self):
        """The active sending crons, in the order of their slots."""
        return (
            self.env["ir.cron"]
            .sudo()
            .search([("model_id.model", "=", self._name), ("code", "=", SEND_CRON_CODE)], order="id")
        )

    @api.model
    def _fap_enqueue(self, documents, single=False):
        """Queue ``documents`` (one job; a document already queued elsewhere moves to this one). ``single``: the
        button of one document, sent in its company."""
        company = documents.company_id if single else self.env.company
        job = self.create(
            {"res_model": documents._name, "user_id": self.env.uid, "company_id": company.id, "single": single}
        )
        documents.sudo().write(
            {"fap_flow": True, "fap_send_job_id": job.id, "fap_send_state": "queued", "fap_send_error": False}
        )
        for cron in self._fap_send_crons():
            cron._trigger()
        return job

    @api.model
    def _fap_slot(self):
        """``(slot, slots)`` of the sending cron running this; outside a cron (a shell, a test), every slot."""
        crons = self._fap_send_crons()
        cron_id = self.env.context.get("cron_id")
        if cron_id not in crons.ids:
            return 0, 1
        return crons.ids.index(cron_id), len(crons)

    @api.model
    def _fap_process(self):
        """Cron: settle the SMS a dead run of this slot left held, then send its queued documents by batch."""
        slot, slots = self._fap_slot()
        self.env["sms.sms"].sudo()._fap_recover(slot, slots)
        for job in self.search([("state", "=", "queued")], order="id"):
            if not job._fap_process_job(slot, slots):
                return  # out of time: the cron comes back for the rest

    def _fap_queued_ids(self, slot, slots, limit=None):
        """Ids of the documents of this job still queued in ``slot``, oldest first."""
        self.ensure_one()
        Document = self.env[self.res_model]
        Document.flush_model(["fap_send_job_id", "fap_send_state"])
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE fap_send_job_id = %s AND fap_send_state = 'queued' AND id %% %s = %s "
                "ORDER BY id LIMIT %s",
                SQL.identifier(Document._table),
                self.id,
                slots,
                slot,
                limit,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _fap_process_job(self, slot, slots):
        """Send this job's queued documents of ``slot``; returns False when the cron's time is over."""
        self.ensure_one()
        Document = self.env[self.res_model].with_user(self.user_id).with_company(self.company_id)
        while batch := Document.browse(self._fap_queued_ids(slot, slots, limit=BATCH_SIZE)):
            held_sms = SmsSudo = self.env["sms.sms"].sudo()
            try:
                with self.env.cr.savepoint():
                    batch._fap_prepare_send_batch()
            except UserError as error:  # e.g. a wkhtmltopdf that renders one document at a time: each alone
                _logger.warning("Facture à payer: preparing the batch of %s together failed: %s", self, error)
            except Exception:  # each document then prepares itself, and fails alone
                _logger.exception("Facture à payer: preparing the batch of %s failed", self)
            for document in batch:
                try:
                    with self.env.cr.savepoint():
                        document.with_context(fap_queue_sms=True)._fap_send()
                        held_sms |= SmsSudo._fap_hold(document)
                except UserError as error:
                    document.sudo().write({"fap_send_state": "failed", "fap_send_error": error.args[0]})
                except Exception as error:  # one broken document must not stop the others
                    _logger.exception("Facture à payer: sending %s failed", document)
                    document.sudo().write({"fap_send_state": "failed", "fap_send_error": str(error)})
            remaining = len(self._fap_queued_ids(slot, slots))
            # Committed before any SMS is handed to Twilio: after a crash, its SMS are still held, and the
            # next run asks Twilio about them rather than send them again.
            time_left = self.env["ir.cron"]._commit_progress(len(batch), remaining=remaining)
            # Each answer is committed as it comes (see sms.sms._fap_release).
            held_sms._fap_release()
            if time_left <= 0:
                return False
        return True

    def _fap_mark_failed(self, document, error):
        """A document counted sent whose SMS failed afterwards (refused, or in doubt after a crash)."""
        if document.fap_send_state != "sent":
            return  # queued again since: its new sending decides
        document.sudo().write({"fap_send_state": "failed", "fap_send_error": error})
