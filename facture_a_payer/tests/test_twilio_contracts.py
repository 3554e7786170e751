import requests
from fap_sandbox import contracts
from fap_sandbox.twilio import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, DEMO_NUMBERS

from odoo.tests import tagged

from .common import FapSandboxCase

# The Messages calls the product makes (Odoo's sms_twilio sends, facture_a_payer reads one and lists).
MESSAGES = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
PRODUCT_CALLS = {
    ("POST", "/2010-04-01/Accounts/{AccountSid}/Messages.json"),
    ("GET", "/2010-04-01/Accounts/{AccountSid}/Messages.json"),
    ("GET", "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"),
}


@tagged("post_install", "-at_install")
class TestTwilioContracts(FapSandboxCase):
    """The sandbox's Twilio held to Twilio's OpenAPI description of the Messages resource
    (``fap_sandbox.contracts``): what Odoo sends and what the sandbox answers."""

    def setUp(self):
        super().setUp()
        self.sandbox.reset()

    def _sms_to(self, phone, name="Élise Tremblay"):
        partner = self.env["res.partner"].create({"name": name, "phone": phone})
        partner._message_sms("Votre soumission est prête", partner_ids=partner.ids)
        return partner

    def _calls(self):
        twilio = self.sandbox.twilio
        return {(r.method, contracts.operation("twilio", r.method, r.path[len("/twilio") :])) for r in twilio.requests}

    def test_every_messages_call_of_odoo_and_every_answer_keep_twilios_contract(self):
        # Sent, then its status callbacks; refused numbers (21211, 21614); a STOP reply (Odoo reads the message),
        # then 21610; Odoo lists the messages sent to a number.
        partner = self._sms_to("+1 514 555 0142")
        self.deliver_callbacks()
        self._sms_to("+1 514 555 0001", "Numéro invalide")
        self._sms_to("+1 514 555 0009", "Ligne fixe")
        self.sandbox.twilio.receive("+15145550142", "STOP")
        self.deliver_callbacks()
        self.assertTrue(partner.fap_sms_opted_out)
        sms_api = self.company._get_sms_api_class()(self.env)
        messages, complete = sms_api._fap_list_messages("+15145550142")
        self.assertTrue(complete)
        self.assertEqual([m["status"] for m in messages], ["delivered"])
        refused = requests.post(
            f"{self.sandbox.url}/twilio/2010-04-01/Accounts/{DEMO_ACCOUNT_SID}/Messages.json",
            auth=(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN),
            data={"To": "+15145550142", "From": DEMO_NUMBERS[0], "Body": "Bonjour"},
            timeout=5,
        )
        self.assertEqual(refused.json()["code"], 21610)
        self.assertEqual(self.sandbox.twilio.contract_violations, [])
        self.assertLessEqual(PRODUCT_CALLS, self._calls())

    def test_the_message_statuses_the_sandbox_writes_are_twilios(self):
        statuses = set(contracts.load("twilio")["components"]["schemas"]["message_enum_status"]["enum"])
        self.assertLessEqual({"queued", "sent", "delivered", "undelivered", "failed", "received"}, statuses)
        self._sms_to("+1 514 555 0666", "Non livré")
        self.deliver_callbacks()
        self.assertEqual(self.sandbox.twilio.messages[-1]["status_history"], ["queued", "sent", "undelivered"])
        self.assertLessEqual(set(self.sandbox.twilio.messages[-1]["status_history"]), statuses)

    def test_a_parameter_or_a_field_twilio_does_not_describe_breaks_the_contract(self):
        path = f"/2010-04-01/Accounts/{DEMO_ACCOUNT_SID}/Messages.json"
        unknown = contracts.check_twilio_request(
            "POST", path, {"To": "+15145550142", "From": "+15145550100", "Text": "x"}
        )
        self.assertEqual(
            unknown,
            [f"POST {MESSAGES} Text: not in the API description"],
        )
        self.assertEqual(
            contracts.check_twilio_request("GET", path, {"To": "+15145550142", "PageSize": "many"}),
            ["GET /2010-04-01/Accounts/{AccountSid}/Messages.json PageSize: str 'many', expected integer"],
        )
        self._sms_to("+1 514 555 0142")
        [message] = self.sandbox.twilio.messages
        resource = self.sandbox.twilio._resource(message)
        self.assertEqual(contracts.check_twilio_response("POST", path, 201, resource), [])
        del resource["num_segments"]
        resource["status"] = "pending"
        self.assertEqual(
            contracts.check_twilio_response("POST", path, 201, resource),
            [
                "POST /2010-04-01/Accounts/{AccountSid}/Messages.json answer: num_segments: required, missing",
                (
                    "POST /2010-04-01/Accounts/{AccountSid}/Messages.json answer: status: 'pending' is not one of "
                    "['queued', 'sending', 'sent', 'failed', 'delivered', 'undelivered', 'receiving', 'received', "
                    "'accepted', 'scheduled', 'read', 'partially_delivered', 'canceled']"
                ),
            ],
        )
