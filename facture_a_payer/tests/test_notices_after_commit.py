import time
from unittest.mock import patch

from lxml import html as lxml_html

from odoo.tests import tagged

from ..tools.twilio_api import SmsApiTwilioConfigurable
from .portal_common import FapPortalPaymentCase


class Rollback(Exception):
    """What a serialization failure does to the request's transaction: everything it did is undone."""


class WorkerKilled(BaseException):
    """The cron's process dying: no ``except Exception`` of the code under test catches it."""


@tagged("post_install", "-at_install")
class TestNoticesAfterCommit(FapPortalPaymentCase):
    """Receipts and notices leave after the transaction that records the payment is committed, each once: a
    rolled-back (retried) transaction sends nothing, and the customer never waits for Twilio or the SMTP server."""

    def setUp(self):
        super().setUp()
        # The sandbox serves the whole class; invoice numbers come again in each test (its data is rolled back).
        self.before = (len(self.sandbox.twilio.messages), len(self.sandbox.mail.messages))

    def receipt_sms(self, invoice):
        return [
            m
            for m in self.sandbox.twilio.messages[self.before[0] :]
            if m["to"] == "+15145550193" and invoice.name in m["body"]
        ]

    def receipt_emails(self, invoice):
        return [
            m
            for m in self.sandbox.mail.messages[self.before[1] :]
            if "sarah@example.com" in str(m["to"]) and invoice.name in m["subject"]
        ]

    def chatter_notifications(self, document, notification_type):
        return self.env["mail.notification"].search(
            [
                ("mail_message_id.model", "=", document._name),
                ("mail_message_id.res_id", "=", document.id),
                ("notification_type", "=", notification_type),
            ]
        )

    def _done_not_post_processed(self, invoice):
        """Pay on the hosted page and come back: Odoo's return route confirms the transaction; the status page's
        poll (Odoo's post-processing: the payment, its reconciliation, the receipt) has not run yet."""
        processing_values = self._start_payment(invoice)
        page_url = lxml_html.fromstring(processing_values["redirect_form_html"]).get("action")
        answer = self.opener.post(f"{page_url}/pay", data={"cardnumber": "4242424242424242"}, allow_redirects=False)
        self.env.flush_all()
        self.url_open(answer.headers["Location"])
        self.env.invalidate_all()
        tx = invoice.transaction_ids
        self.assertEqual((tx.state, tx.is_post_processed), ("done", False))
        return tx

    def test_the_receipt_reaches_the_customer_after_the_payment_is_committed_once(self):
        _quote, invoice = self._approved_invoice()
        with self.smtp_live():
            self._pay(invoice, deliver_notices=False)
        self._assert_paid_and_reconciled(invoice)
        # When the customer's request (the status page's poll) ends, nothing has gone out yet: the receipt waits
        # in Odoo's queues for the commit.
        self.assertEqual(self.receipt_sms(invoice), [])
        self.assertEqual(self.receipt_emails(invoice), [])
        # ... not even written (the request does not render it): it waits for the cron that the commit calls.
        self.assertFalse(self.chatter_notifications(invoice, "sms"))
        notice = self.env["facture_a_payer.notice"].search([("move_id", "=", invoice.id)])
        self.assertEqual(notice.mail_template_id, self.env.ref("facture_a_payer.mail_template_fap_receipt"))
        triggered = self.env["ir.cron.trigger"].search([]).cron_id
        self.assertIn(self.env.ref("facture_a_payer.ir_cron_fap_notices"), triggered)

        self.deliver_notices()
        self.assertFalse(notice.exists(), "written once")
        [sms_notification] = self.chatter_notifications(invoice, "sms")
        self.assertTrue(self.chatter_notifications(invoice, "email"))
        [sms] = self.receipt_sms(invoice)
        self.assertIn("received", sms["body"])
        self.assertEqual(len(self.receipt_emails(invoice)), 1)
        self.assertEqual(sms_notification.notification_status, "pending", "Twilio accepted it")
        self.deliver_callbacks()
        self.assertEqual(sms_notification.notification_status, "sent")
        # The crons running again send nothing more.
        self.deliver_notices()
        self.assertEqual((len(self.receipt_sms(invoice)), len(self.receipt_emails(invoice))), (1, 1))

    def test_a_payment_rolled_back_sends_nothing_and_its_retry_sends_one_receipt(self):
        _quote, invoice = self._approved_invoice()
        tx = self._done_not_post_processed(invoice)
        # The first attempt records the payment, then its transaction is rolled back (a serialization failure).
        with self.smtp_live():
            try:
                with self.env.cr.savepoint():
                    tx._post_process()
                    self.assertEqual(invoice.payment_state, "paid")
                    raise Rollback
            except Rollback:
                self.env.invalidate_all()
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(self.receipt_sms(invoice), [], "an SMS of a rolled-back payment went out")
        self.assertEqual(self.receipt_emails(invoice), [], "an email of a rolled-back payment went out")
        self.deliver_notices()
        self.assertEqual((self.receipt_sms(invoice), self.receipt_emails(invoice)), ([], []))

        # Odoo retries the request: the payment is recorded again, and the customer gets one receipt.
        with self.smtp_live():
            tx._post_process()
        self._assert_paid_and_reconciled(invoice)
        self.deliver_notices()
        self.assertEqual(len(self.receipt_sms(invoice)), 1)
        self.assertEqual(len(self.receipt_emails(invoice)), 1)
        receipts = invoice.message_ids.filtered(lambda m: m.message_type == "sms")
        self.assertEqual(len(receipts), 1, "the chatter shows one receipt SMS")

    def test_the_customer_coming_back_from_stripe_does_not_wait_for_twilio(self):
        _quote, invoice = self._approved_invoice()
        self.sandbox.twilio.latency = 4
        self.addCleanup(setattr, self.sandbox.twilio, "latency", 0)
        self._done_not_post_processed(invoice)
        start = time.monotonic()
        self._rpc("/payment/status/poll")
        waited = time.monotonic() - start
        self.assertEqual(invoice.payment_state, "paid")
        self.assertLess(waited, 4, "the status page waited for Twilio")

    def test_a_receipt_twilio_refuses_is_shown_failed_on_the_invoice(self):
        self.customer_en.phone = "+1 514-555-0001"  # Twilio: invalid number (21211)
        self.addCleanup(setattr, self.customer_en, "phone", "+1 514-555-0193")
        _quote, invoice = self._approved_invoice()
        self._pay(invoice)
        self.deliver_notices()
        [notification] = self.chatter_notifications(invoice, "sms")
        self.assertEqual(notification.notification_status, "exception")
        self.assertFalse(self.env["sms.sms"].search([("fap_notice", "=", True), ("state", "=", "process")]))

    def test_the_receipt_says_the_amount_and_the_method_it_is_given(self):
        # As an e-Transfer's receipt: a part of the invoice, paid otherwise than online.
        _quote, invoice = self._approved_invoice()
        invoice._fap_after_payment("Paid 123.45 by cheque.", 123.45, "Cheque no. 42")
        self.deliver_notices()
        [sms] = self.receipt_sms(invoice)
        self.assertIn("payment of 123.45 $ received", sms["body"])
        self.assertIn("Balance: 919.80 $", sms["body"])
        [email] = self.receipt_emails(invoice)
        self.assertIn("Paid with: <strong>Cheque no. 42</strong>", email["html"])
        self.assertIn("123.45", email["subject"] + email["html"])

    def test_a_cron_that_dies_as_twilio_accepts_a_receipt_sends_each_receipt_once(self):
        invoices = [self._approved_invoice()[1] for __ in range(2)]
        for invoice in invoices:
            self._pay(invoice, deliver_notices=False)
        send_request = SmsApiTwilioConfigurable._sms_twilio_send_request

        def send_then_die(sms_api, session, to_number, body, uuid):
            send_request(sms_api, session, to_number, body, uuid)
            raise WorkerKilled(to_number)

        # Not Odoo's assertRaises: it would also undo what the cron committed before dying.
        killed = None
        with patch.object(SmsApiTwilioConfigurable, "_sms_twilio_send_request", send_then_die):
            try:
                self.deliver_notices()
            except WorkerKilled as death:
                killed = death
        self.assertTrue(killed, "the cron did not send the receipt")
        # Twilio has the first receipt, its answer died with the cron; both receipts were committed held.
        self.assertEqual([len(self.receipt_sms(invoice)) for invoice in invoices], [1, 0])
        held = self.env["sms.sms"].search([("fap_notice", "=", True), ("fap_sending", "=", True)])
        self.assertEqual(len(held), 2)
        # The next run asks Twilio: the first receipt is adopted, the second sent; each reached the customer once.
        self.deliver_notices()
        self.assertEqual([len(self.receipt_sms(invoice)) for invoice in invoices], [1, 1])
        self.assertFalse(held.exists().filtered("fap_sending"))
        [first] = self.receipt_sms(invoices[0])
        self.assertEqual(self.chatter_notifications(invoices[0], "sms").sms_tracker_ids.sms_twilio_sid, first["sid"])

    def test_a_notice_that_cannot_be_written_is_noted_and_the_others_go_out(self):
        invoices = [self._approved_invoice()[1] for __ in range(2)]
        for invoice in invoices:
            invoice._fap_after_payment("Paid by cheque.", 100.0, "Cheque")
        document = type(self.env["account.move"])
        write = document._fap_notify_customer_after_payment

        def fail_for_the_first(invoice, mail_template, sms_template):
            if invoice == invoices[0]:
                raise RuntimeError("the template cannot be rendered")
            return write(invoice, mail_template, sms_template)

        with patch.object(document, "_fap_notify_customer_after_payment", fail_for_the_first):
            self.deliver_notices()
        self.assertFalse(self.env["facture_a_payer.notice"].search([("move_id", "in", [i.id for i in invoices])]))
        self.assertEqual(self.receipt_sms(invoices[0]), [])
        notes = invoices[0].message_ids.mapped(lambda message: str(message.body))
        self.assertIn("<p>The customer could not be told: the template cannot be rendered</p>", notes)
        self.assertEqual(len(self.receipt_sms(invoices[1])), 1, "the next notice went out")
