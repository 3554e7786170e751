from odoo import models

from ..tools.twilio_api import SmsApiTwilioConfigurable


class ResCompany(models.Model):
    _inherit = "res.company"

    def _get_sms_api_class(self):
        if self.sms_provider == "twilio":
            return SmsApiTwilioConfigurable
        return super()._get_sms_api_class()
