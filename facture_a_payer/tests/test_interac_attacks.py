"""Interac e-Transfer notifications as an attacker sends them: genuine notices of little money, of money not
deposited, of someone else's transfer, replayed in another company, with headers added, by a client's RPC.

Besides the sandbox's Interac, the tests sign with a key of their own, published under another selector of
Interac's domain: a notification they write is then as genuine as Interac's, which is what the attacks need (a
customer does receive genuine notifications, and can send one on)."""

import base64
import xmlrpc.client
from unittest.mock import patch

import dkim
from fap_sandbox.interac import _new_key

from odoo.fields import Command
from odoo.tests import tagged

from .test_interac import SAMPLES, InteracCase

SIGNED = (b"from", b"to", b"subject", b"date", b"message-id", b"content-type")


class InteracAttackCase(InteracCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.private_key, public = _new_key()
        cls.sandbox.interac.dns.records["tests._domainkey.payments.interac.ca."] = public
        cls.address = cls.company.fap_interac_email

    def _sign(self, raw, include_headers=SIGNED):
        return (
            dkim.sign(raw, b"tests", b"payments.interac.ca", self.private_key, include_headers=list(include_headers))
            + raw
        )

    def _sample(self, raw):
        """A sample of Interac's wordings (its bytes) as Interac sends it to the company's Autodeposit address,
        signed, forwarded to the company's alias."""
        header, _sep, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
        lines = [line for line in header.split(b"\n") if not line.lower().startswith(b"to:")]
        raw = b"\r\n".join([*lines, b"To: " + self.address.encode()]) + b"\r\n\r\n" + body.replace(b"\n", b"\r\n")
        return self.sandbox.interac._delivered_to() + self._sign(raw)

    def _payments(self, invoice):
        return self.env["account.payment"].search([("partner_id", "=", invoice.partner_id.id)])


@tagged("post_install", "-at_install")
class TestInteracAttacks(InteracAttackCase):
    def test_a_cent_deposited_with_an_amount_in_its_message_pays_a_cent(self):
        invoice = self._invoice()
        for lang, message in (
            ("en", f"SARAH MITCHELL sent you $459.90 (CAD) {invoice.name}"),
            ("fr", f"ÉLISE TREMBLAY vous a envoyé 459,90 $ (CAD) {invoice.name}"),
        ):
            with self.subTest(lang):
                transfer = self._notify(0.01, message=message, lang=lang)
                self.assertRecordValues(transfer, [{"state": "matched", "amount": 0.01, "invoice_id": invoice.id}])
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 459.88)

    def test_money_to_claim_pays_nothing_until_its_deposit_notice_which_pays_once(self):
        invoice = self._invoice()
        for lang in ("en", "fr"):
            with self.subTest(lang):
                claim = self._notify(459.90, message=invoice.name, lang=lang, kind="to_claim")
                self.assertRecordValues(
                    claim, [{"state": "to_claim", "kind": "to_claim", "trusted": True, "payment_id": False}]
                )
                self.assertEqual(claim.activity_ids.summary, "Claim an Interac e-Transfer")
                self.assertEqual(invoice.payment_state, "not_paid")
                self.assertFalse(self._payments(invoice))
        # The customer's bank deposits it after the merchant claimed it: its deposit notice pays, once.
        deposit = self._notify(459.90, message=invoice.name, reference=claim.reference)
        self.assertRecordValues(deposit, [{"state": "matched", "invoice_id": invoice.id}])
        self.assertRecordValues(claim, [{"state": "claimed"}])
        self.assertFalse(claim.activity_ids)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        again = self._notify(459.90, message=invoice.name, reference=claim.reference)
        self.assertRecordValues(again, [{"state": "duplicate", "duplicate_of_id": deposit.id}])
        self.assertEqual(len(self._payments(invoice)), 1)

    def test_requests_reminders_expiries_and_claims_of_interac_never_pay(self):
        invoice = self._invoice()
        for name, state in (
            ("request_money_en.eml", "ignored"),
            ("reminder_en.eml", "to_claim"),
            ("expired_fr.eml", "ignored"),
            ("claim_en.eml", "to_claim"),
            ("claim_fr.eml", "to_claim"),
        ):
            with self.subTest(name):
                transfer = self._deliver(self._sample((SAMPLES / name).read_bytes()))
                self.assertRecordValues(transfer, [{"trusted": True, "state": state, "payment_id": False}])
        self.assertFalse(self._payments(invoice))
        # The transfer to claim expired: the money went back to its sender, nothing waits any more.
        claim = self.env["facture_a_payer.interac.transfer"].search([("reference", "=", "C1AL5k4j3h2G")])
        self.assertEqual(claim.state, "to_claim")
        expired = (SAMPLES / "expired_fr.eml").read_bytes().replace(b"C1AP9o8i7u6Y", b"C1AL5k4j3h2G")
        expired = expired.replace(b"20270102180000", b"20270102180001")
        self._deliver(self._sample(expired))
        self.assertEqual(claim.state, "ignored")

    def test_the_samples_deposits_pay_the_invoice_they_name(self):
        invoice = self._invoice()
        raw = (SAMPLES / "deposit_2024_en.eml").read_bytes()
        raw = raw.replace(b"Facture INV/2026/00051", invoice.name.encode())
        raw = raw.replace(b"$147.00", b"$459.90").replace(b"Jane Customer", "Élise Tremblay".encode())
        transfer = self._deliver(self._sample(raw))
        self.assertRecordValues(
            transfer, [{"state": "matched", "amount": 459.90, "invoice_id": invoice.id, "kind": "deposited"}]
        )
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(str(transfer.payment_id.date), "2026-12-07", "paid on the transfer's date")

    def test_a_genuine_notification_sent_to_someone_else_pays_nothing(self):
        invoice = self._invoice()
        # The customer sends the e-Transfer to their own second account, then sends Interac's email on.
        transfer = self._notify(459.90, message=invoice.name, to="elise.autre-compte@example.com")
        self.assertRecordValues(transfer, [{"state": "review", "trusted": False, "payment_id": False}])
        self.assertIn("sent to elise.autre-compte@example.com, not to your Autodeposit address", transfer.trust_detail)
        # One of the merchant's other Autodeposit addresses is theirs.
        self.company.fap_interac_other_emails = "ventes@plomberie-test.example.com, Compta@Plomberie-Test.example.com"
        transfer = self._notify(459.90, message=invoice.name, to="compta@plomberie-test.example.com")
        self.assertRecordValues(transfer, [{"state": "matched", "invoice_id": invoice.id}])

    def test_why_a_notification_is_not_trusted_is_said_in_the_accountants_language(self):
        self.company._fap_accountant().lang = "fr_CA"
        transfer = self._notify(459.90, message="FAC/2026/00001", to="elise.autre-compte@example.com")
        self.assertEqual(
            transfer.trust_detail, "envoyé à elise.autre-compte@example.com, pas à votre adresse de dépôt automatique"
        )
        transfer = self._notify(459.90, message="FAC/2026/00001")
        self.assertEqual(transfer.trust_detail, "Signature DKIM de payments.interac.ca")

    def test_headers_added_above_the_signed_ones_or_left_unsigned_are_refused(self):
        invoice = self._invoice()
        interac = self.sandbox.interac

        def notice(to):
            return interac.notification(459.90, "Élise Tremblay", invoice.name, to=to)[0]

        for case, forged, why in (
            # A second To above the signed one: mail clients show it, the signature vouches for the other.
            (
                "a To added",
                f"To: {self.address}\r\n".encode() + interac.sign(notice("elise@example.com")),
                "2 To headers instead of one",
            ),
            (
                "a Subject added",
                b"Subject: Interac e-Transfer: hello\r\n" + interac.sign(notice(self.address)),
                "2 Subject headers",
            ),
            (
                "a signature without To",
                self._sign(notice(self.address), [b"from", b"subject", b"date"]),
                "does not cover From, To and Subject",
            ),
        ):
            with self.subTest(case):
                transfer = self._deliver(interac._delivered_to() + forged)
                self.assertRecordValues(transfer, [{"state": "review", "trusted": False}])
                self.assertIn(why, transfer.trust_detail)
        self.assertFalse(self._payments(invoice))

    def test_mail_from_anyone_else_is_ignored_without_an_activity(self):
        raw, _reference = self.sandbox.interac.notification(459.90, "Élise Tremblay", "hello")
        raw = raw.replace(b"notify@payments.interac.ca", b"elise@example.com")
        transfer = self._deliver(self.sandbox.interac._delivered_to() + raw)
        self.assertRecordValues(transfer, [{"state": "ignored", "trusted": False}])
        self.assertFalse(transfer.activity_ids)

    def test_one_transfer_pays_once_in_the_whole_database(self):
        invoice = self._invoice()
        other_company = self.setup_quebec_company("Plomberie Test Rive-Sud inc.")
        # A second company of the same merchant, with the same Autodeposit address and an alias of its own.
        other_company.write({"fap_interac": True, "fap_interac_email": self.address})
        interac = self.sandbox.interac
        raw, _reference = interac.notification(459.90, "Élise Tremblay", invoice.name)
        # Signed as a signer may, without the Message-ID: a copy with a new one is as genuine.
        raw = self._sign(raw, [b"from", b"to", b"subject", b"date"])
        first = self._deliver(interac._delivered_to() + raw)
        self.assertEqual(first.state, "matched")
        alias = f"Delivered-To: {other_company.fap_interac_alias_id.alias_name}@plomberie-test.example.com\r\n"
        copy = self._deliver(alias.encode() + raw.replace(b"Message-ID: <", b"Message-ID: <copy-"))
        self.assertRecordValues(
            copy, [{"company_id": other_company.id, "state": "duplicate", "duplicate_of_id": first.id}]
        )
        self.assertFalse(self.env["account.payment"].search([("company_id", "=", other_company.id)]))
        # A record set aside does not free its transfer.
        first.sudo().state = "ignored"
        replay = self._deliver(interac._delivered_to() + raw.replace(b"Message-ID: <", b"Message-ID: <again-"))
        self.assertRecordValues(replay, [{"state": "duplicate", "duplicate_of_id": first.id, "payment_id": False}])
        self.assertEqual(len(self._payments(invoice)), 1)

    def test_two_notices_of_one_transfer_received_at_once_pay_once(self):
        invoice = self._invoice()
        first = self._notify(459.90, message=invoice.name)
        self.assertEqual(first.state, "matched")
        # The second notice's transaction cannot see the first, not committed yet: the unique index decides.
        Transfer = type(self.env["facture_a_payer.interac.transfer"])
        with patch.object(Transfer, "_fap_same_transfer", lambda self, kind, parsed: self.browse()):
            second = self._notify(459.90, message=invoice.name, reference=first.reference)
        self.assertRecordValues(second, [{"state": "duplicate", "payment_id": False, "trusted": True}])
        self.assertEqual(len(self._payments(invoice)), 1)

    def test_the_email_is_kept_byte_for_byte_and_verified_again_from_it(self):
        invoice = self._invoice()
        self.sandbox.interac.dns.outage = True
        raw, _reference = self.sandbox.interac.notification(459.90, "Élise Tremblay", invoice.name)
        raw = self.sandbox.interac._delivered_to() + self.sandbox.interac.sign(raw)
        transfer = self._deliver(raw)
        self.assertEqual(transfer.state, "review")
        self.env.invalidate_all()
        self.assertEqual(base64.b64decode(transfer.with_context(bin_size=False).raw_email), raw)
        self.assertTrue(transfer.raw_email_name.endswith(".eml"))
        self.sandbox.interac.dns.outage = False
        transfer.action_fap_verify_again()
        self.assertRecordValues(transfer, [{"state": "matched", "invoice_id": invoice.id}])

    def test_no_unsigned_or_unreadable_email_is_lost(self):
        interac = self.sandbox.interac
        for size in range(12):
            with self.subTest(size):
                raw, _reference = interac.notification(10 + size, "Élise Tremblay", "x" * size)
                raw = interac._delivered_to() + raw + b"=" * size
                transfer = self._deliver(raw)
                self.assertRecordValues(transfer, [{"state": "review", "trusted": False}])
                self.assertEqual(base64.b64decode(transfer.with_context(bin_size=False).raw_email), raw)


@tagged("post_install", "-at_install")
class TestInteracServerRules(InteracAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing = cls.env["res.users"].create(
            {
                "name": "Camille Facturation",
                "login": "fap_interac_billing",
                "password": "fap_interac_billing",
                "group_ids": [Command.link(cls.env.ref("account.group_account_invoice").id)],
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
            }
        )

    def _rpc(self, method, *args):
        return self.xmlrpc_object.execute(
            self.env.cr.dbname,
            self.billing.id,
            "fap_interac_billing",
            "facture_a_payer.interac.transfer",
            method,
            *args,
        )

    def test_a_billing_user_changes_trust_state_amount_and_payment_only_through_the_actions(self):
        invoice = self._invoice()
        unsigned = self._notify(459.90, message=invoice.name, signer=None)
        self.assertEqual(unsigned.state, "review")
        for values in (
            {"trusted": True, "trust_detail": "DKIM signature of payments.interac.ca"},
            {"state": "to_match"},
            {"amount": 1.0},
            {"reference": "C1AOTHERREF1"},
            {"payment_id": 1},
        ):
            with self.subTest(values), self.assertRaises(xmlrpc.client.Fault):
                self._rpc("write", [unsigned.id], values)
        with self.assertRaises(xmlrpc.client.Fault):
            self._rpc("create", [{"trusted": True, "state": "to_match", "amount": 459.90}])
        self.assertRecordValues(unsigned, [{"state": "review", "trusted": False, "amount": 459.90}])
        # Its actions are open to the billing user: ignoring it.
        self._rpc("action_fap_ignore", [unsigned.id])
        self.assertEqual(unsigned.state, "ignored")
        # The amount of a trusted notification that could not be read is typed by the merchant.
        raw, _reference = self.sandbox.interac.notification(459.90, "Élise Tremblay", invoice.name)
        unread = self._deliver(
            self.sandbox.interac._delivered_to()
            + self.sandbox.interac.sign(raw.replace(b"Fonds d=C3=A9pos=C3=A9s!", b"Argent re=C3=A7u!"))
        )
        self.assertRecordValues(unread, [{"state": "to_match", "trusted": True}])
        self._rpc("write", [unread.id], {"amount": 459.90, "invoice_id": invoice.id})
        self._rpc("action_fap_match", [unread.id])
        self.assertRecordValues(unread, [{"state": "matched", "amount": 459.90}])
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
