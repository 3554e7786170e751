import xmlrpc.client

from odoo import api, models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def message_process(
        self, model, message, custom_values=None, save_original=False, strip_attachments=False, thread_id=None
    ):
        # The email's bytes as they came: the parsed email is written again differently, and an Interac
        # notification's signatures are checked against the bytes that were signed.
        raw = bytes(message.data) if isinstance(message, xmlrpc.client.Binary) else message
        if isinstance(raw, str):
            raw = raw.encode()
        return super(MailThread, self.with_context(fap_raw_email=raw)).message_process(
            model,
            message,
            custom_values=custom_values,
            save_original=save_original,
            strip_attachments=strip_attachments,
            thread_id=thread_id,
        )
