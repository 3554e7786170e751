import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

BATCH_SIZE = 50


class FactureAPayerSendJob(models.Model):
    """A mass sending queued from a list, processed by the cron ``ir_cron_fap_send_jobs`` in batches.

    The documents carry the job and their own state (queued → sent / failed, with the error): a batch
    is committed with their new state, so a document is never sent twice, even if the cron restarts.
    Its SMS are committed held with it and handed to Twilio only then (see ``sms.sms._fap_release``),
    so a crash while sending them cannot send one twice either.
    """

    _name = "facture_a_payer.send.job"
    _description = "Mass sending of documents"
    _order = "id desc"

    res_model = fields.Char(string="Document model", required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Requested by", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    state = fields.Selection([("queued", "Queued"), ("done", "Done")], default="queued", required=True)
    total_count = fields.Integer(readonly=True)
    sent_count = fields.Integer(readonly=True)
    failed_count = fields.Integer(readonly=True)
    progress = fields.Float(compute="_compute_progress", help="Share of the documents handled, in percent")

    @api.depends("total_count", "sent_count", "failed_count")
    def _compute_progress(self):
        for job in self:
            handled = job.sent_count + job.failed_count
            job.progress = 100.0 * handled / job.total_count if job.total_count else 100.0

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
    def _fap_enqueue(self, documents):
        """Queue ``documents`` (one job; a document already queued elsewhere moves to this one)."""
        job = self.create(
            {
                "res_model": documents._name,
                "user_id": self.env.uid,
                "company_id": self.env.company.id,
                "total_count": len(documents),
            }
        )
        documents.sudo().write(
            {"fap_flow": True, "fap_send_job_id": job.id, "fap_send_state": "queued", "fap_send_error": False}
        )
        self.env.ref("facture_a_payer.ir_cron_fap_send_jobs")._trigger()
        return job

    @api.model
    def _fap_process(self):
        """Cron: settle the SMS a dead run left held, then send the queued documents, a batch at a time."""
        self.env["sms.sms"].sudo()._fap_recover()
        for job in self.search([("state", "=", "queued")], order="id"):
            job._fap_process_job()

    def _fap_process_job(self):
        self.ensure_one()
        Document = self.env[self.res_model].with_user(self.user_id).with_company(self.company_id)
        domain = [("fap_send_job_id", "=", self.id), ("fap_send_state", "=", "queued")]
        while batch := Document.search(domain, limit=BATCH_SIZE, order="id"):
            sent = failed = 0
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
                    sent += 1
                except UserError as error:
                    document.sudo().write({"fap_send_state": "failed", "fap_send_error": error.args[0]})
                    failed += 1
                except Exception as error:  # one broken document must not stop the others
                    _logger.exception("Facture à payer: sending %s failed", document)
                    document.sudo().write({"fap_send_state": "failed", "fap_send_error": str(error)})
                    failed += 1
            self.write({"sent_count": self.sent_count + sent, "failed_count": self.failed_count + failed})
            remaining = Document.search_count(domain)
            if not remaining:
                self.state = "done"
            # Committed before any SMS is handed to Twilio: after a crash, its SMS are still held, and the
            # next run asks Twilio about them rather than send them again.
            time_left = self.env["ir.cron"]._commit_progress(len(batch), remaining=remaining)
            # Their answers are committed with the next batch, or by the cron at the end of its run.
            held_sms._fap_release()
            if time_left <= 0:
                return  # out of time: the cron comes back for the rest

    def _fap_mark_failed(self, document, error):
        """A document counted sent whose SMS failed afterwards (refused, or in doubt after a crash)."""
        if document.fap_send_state != "sent":
            return  # queued again since: its new sending decides
        self.write({"sent_count": self.sent_count - 1, "failed_count": self.failed_count + 1})
        document.sudo().write({"fap_send_state": "failed", "fap_send_error": error})
