import re
from decimal import Decimal
from pathlib import Path

import requests
from lxml import html as lxml_html

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import TransactionCase, tagged

from ..tools.email_trust import DNS_NAMESERVER_PARAM
from ..tools.interac_notification import (
    NotificationParseError,
    parse_notification,
    read_email,
    reference_pattern,
)
from .common import FapSandboxCase
from .portal_common import FapPortalCase

SAMPLES = Path(__file__).parent / "interac_samples"


class InteracMixin:
    """Notifications written, signed and forwarded by the sandbox, received by Odoo's mail gateway
    (``mail.thread.message_process``, what ``odoo-mailgate.py`` calls)."""

    @classmethod
    def enable_interac(cls, company, email):
        company.write({"fap_interac": True, "fap_interac_email": email})
        cls.env["ir.config_parameter"].set_param(DNS_NAMESERVER_PARAM, cls.sandbox.interac.nameserver)
        cls.sandbox.interac.forward_to = f"{company.fap_interac_alias_id.alias_name}@{email.split('@')[1]}"
        cls.sandbox.interac.autodeposit_to = email

    def _notify(
        self,
        amount,
        sender="Élise Tremblay",
        message="",
        lang="fr",
        signer="interac",
        forward=False,
        edit=None,
        reference=None,
        **options,
    ):
        """An e-Transfer notification reaches the company's alias; returns the record it became."""
        interac = self.sandbox.interac
        raw, _reference = interac.notification(amount, sender, message, lang, reference=reference, **options)
        if signer:
            raw = interac.sign(raw, signer)
        if edit:
            raw = edit(raw)
        raw = interac.forward(raw) if forward else interac._delivered_to() + raw
        return self._deliver(raw)

    def _deliver(self, raw):
        """Odoo's mail gateway receives ``raw``; returns the record it became."""
        Transfer = self.env["facture_a_payer.interac.transfer"]
        before = Transfer.search([]).ids
        self.env["mail.thread"].message_process(False, raw)
        return Transfer.search([("id", "not in", before)])


class InteracCase(InteracMixin, FapPortalCase):
    """A Québec merchant taking Interac e-Transfers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.enable_interac(cls.company, "paiements@plomberie-test.example.com")
        cls.env["ir.module.module"]._load_module_terms(["facture_a_payer"], ["fr_CA"], overwrite=True)
        cls.alias = cls.company.fap_interac_alias_id
        # The activities for the accountant are in the accountant's language: English here (the demo's is French).
        cls.company._fap_accountant().lang = "en_US"

    def setUp(self):
        super().setUp()
        self.sandbox.interac.reset()

    def _invoice(self, customer=None, quantity=1):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "fap_flow": True,
                "partner_id": (customer or self.customer_fr).id,
                "invoice_user_id": self.salesperson.id,
                "invoice_line_ids": [Command.create({"product_id": self.product.id, "quantity": quantity})],
            }
        )
        invoice.action_post()
        return invoice


@tagged("post_install", "-at_install")
class TestInteracMatching(InteracCase):
    def test_a_trusted_notification_naming_the_invoice_pays_it_and_sends_the_receipt(self):
        invoice = self._invoice()
        self.assertAlmostEqual(invoice.amount_total, 459.90)
        sms_before = len(self.sandbox.twilio.messages)
        # The customer writes the number their own way.
        transfer = self._notify(459.90, message="Paiement facture " + invoice.name.lower().replace("/", " "))

        self.assertRecordValues(
            transfer,
            [
                {
                    "state": "matched",
                    "trusted": True,
                    "sender_name": "ÉLISE TREMBLAY",
                    "amount": 459.90,
                    "invoice_id": invoice.id,
                    "match_method": "reference",
                    "company_id": self.company.id,
                }
            ],
        )
        self.assertEqual(transfer.trust_detail, "DKIM signature of payments.interac.ca")
        self.assertTrue(transfer.raw_email, "the email is kept")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
        payment = transfer.payment_id
        self.assertEqual(payment.journal_id, self.company.fap_interac_journal_id)
        self.assertEqual(payment.journal_id.type, "bank")
        self.assertAlmostEqual(payment.amount, 459.90)
        self.assertEqual(payment.reconciled_invoice_ids, invoice)
        # The customer's receipt, by SMS (to the number of the customer) and email, once the payment is committed;
        # the chatter links the notice.
        self.assertEqual(self.sandbox.twilio.messages[sms_before:], [], "nothing goes out inside the transaction")
        self.deliver_notices()
        sms = self.sandbox.twilio.messages[sms_before:]
        self.assertEqual([m["to"] for m in sms], ["+15145550142"])
        self.assertIn("459,90 $", sms[0]["body"])
        self.assertIn(invoice.name, sms[0]["body"])
        self.assertTrue(invoice.fap_receipt_sent)
        receipt = invoice.message_ids.filtered(
            lambda m: m.message_type == "comment" and invoice.name in (m.subject or "")
        )
        self.assertEqual(len(receipt), 1)
        self.assertIn("459,90", str(receipt.body))
        link = re.compile(rf"data-oe-model=.{transfer._name}. data-oe-id=.{transfer.id}.")
        note = invoice.message_ids.filtered(lambda m: link.search(str(m.body)))
        self.assertEqual(len(note), 1, "the chatter links the notification")

    def test_an_english_notification_matched_by_amount_and_name_with_accents_and_order_ignored(self):
        customer = self.customer_fr.copy({"name": "Jean-François O'Brien", "phone": "+1 514-555-0177"})
        invoice = self._invoice(customer)
        other = self._invoice(customer, quantity=2)
        transfer = self._notify(invoice.amount_total, sender="OBRIEN JEAN FRANCOIS", lang="en")
        self.assertEqual(transfer.lang, "en")
        self.assertRecordValues(transfer, [{"state": "to_match", "candidate_ids": []}])

        transfer = self._notify(invoice.amount_total, sender="O'BRIEN JEAN-FRANCOIS", lang="en")
        self.assertRecordValues(
            transfer, [{"state": "matched", "invoice_id": invoice.id, "match_method": "amount_name"}]
        )
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(other.payment_state, "not_paid")

    def test_the_same_notification_twice_pays_once(self):
        invoice = self._invoice(quantity=2)
        interac = self.sandbox.interac
        raw, reference = interac.notification(459.90, "Élise Tremblay", invoice.name)
        raw = interac._delivered_to() + interac.sign(raw)
        self.env["mail.thread"].message_process(False, raw)
        # The very same email again (a mailbox forwarding it twice): Odoo's gateway knows its Message-Id.
        self.env["mail.thread"].message_process(False, raw)
        # Interac's notice of the same transfer again, as a new email.
        copy = self._notify(459.90, message=invoice.name, reference=reference)

        transfers = self.env["facture_a_payer.interac.transfer"].search([("reference", "=", reference)])
        self.assertEqual(len(transfers), 2)
        original = transfers - copy
        self.assertEqual(original.state, "matched")
        self.assertRecordValues(copy, [{"state": "duplicate", "duplicate_of_id": original.id, "payment_id": False}])
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 459.90)
        with self.assertRaises(UserError):
            original._fap_register(invoice, "manual")

    def test_untrusted_notifications_never_pay_and_wait_for_review(self):
        invoice = self._invoice()
        cases = {
            "unsigned": ({"signer": None}, "no DKIM signature"),
            "a key Interac does not publish": ({"signer": "forger"}, "does not verify"),
            "another domain": ({"signer": "other"}, "interac-notifications.example.net, not a notifying domain"),
            # The amount changed in the body after Interac signed it (quoted-printable: 1=C2=A0000,00).
            "an edited body": (
                {"edit": lambda raw: raw.replace(b"459,90 $", b"9,90 $")},
                "body hash mismatch",
            ),
            # No forwarder is trusted unless the merchant says so.
            "edited in forwarding, no forwarder trusted": ({"forward": True}, "body hash mismatch"),
        }
        for case, (options, why) in cases.items():
            with self.subTest(case):
                transfer = self._notify(459.90, message=invoice.name, **options)
                self.assertRecordValues(transfer, [{"state": "review", "trusted": False, "payment_id": False}])
                self.assertIn(why, transfer.trust_detail)
                self.assertEqual(transfer.activity_ids.summary, "Check an Interac e-Transfer notification")
                # Read anyway, for the merchant who checks it against the bank account (an edited amount now
                # disagrees with the subject's: not read).
                self.assertEqual(
                    transfer.message or transfer.parse_error,
                    invoice.name
                    if options.get("edit") is None
                    else "the notification gives two different values of its amount",
                )
                with self.assertRaises(UserError):
                    transfer._fap_register(invoice, "manual")
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertFalse(self.env["account.payment"].search([("partner_id", "=", self.customer_fr.id)]))

    def test_a_notification_edited_in_forwarding_counts_through_a_trusted_forwarders_arc_seal(self):
        self.assertFalse(self.company.fap_interac_forwarders, "no forwarder is trusted by default")
        self.company.fap_interac_forwarders = "google.com"
        invoice = self._invoice()
        transfer = self._notify(459.90, message=invoice.name, forward=True)
        self.assertIn("ARC seal of forwarder.sandbox.test, not a trusted forwarder", transfer.trust_detail)
        self.company.fap_interac_forwarders = "google.com, forwarder.sandbox.test"
        # The sealed copy of a notification sent to someone else's address pays nothing either.
        transfer = self._notify(459.90, message=invoice.name, forward=True, to="mon-autre-compte@example.com")
        self.assertRecordValues(transfer, [{"state": "review", "trusted": False}])
        self.assertIn("not to your Autodeposit address", transfer.trust_detail)
        transfer = self._notify(459.90, message=invoice.name, forward=True)
        self.assertRecordValues(transfer, [{"state": "matched", "trusted": True, "invoice_id": invoice.id}])
        self.assertEqual(
            transfer.trust_detail,
            "ARC seal of forwarder.sandbox.test, DKIM signature of payments.interac.ca when it received the email",
        )
        # A forwarder's seal vouches only for a signature it verified.
        transfer = self._notify(459.90, message=invoice.name, forward=True, signer="forger")
        self.assertEqual(transfer.state, "review")
        self.assertIn("without a DKIM signature of a notifying domain", transfer.trust_detail)

    def test_two_candidates_wait_for_the_merchant_who_matches_one(self):
        first, second = self._invoice(), self._invoice()
        transfer = self._notify(459.90)
        self.assertRecordValues(transfer, [{"state": "to_match", "payment_id": False}])
        self.assertEqual(transfer.candidate_ids, first | second)
        # The accountant is asked to match it.
        self.assertEqual(transfer.activity_ids.summary, "Match an Interac e-Transfer")
        self.assertIn(self.company, transfer.activity_ids.user_id.company_ids)

        second.with_context(fap_interac_transfer_id=transfer.id).action_fap_interac_match()
        self.assertRecordValues(transfer, [{"state": "matched", "invoice_id": second.id, "match_method": "manual"}])
        self.assertFalse(transfer.activity_ids)
        self.assertIn(second.payment_state, ("paid", "in_payment"))
        self.assertEqual(first.payment_state, "not_paid")
        with self.assertRaises(UserError):
            first.with_context(fap_interac_transfer_id=transfer.id).action_fap_interac_match()

    def test_less_than_due_is_a_partial_payment_more_leaves_the_customer_a_credit(self):
        invoice = self._invoice()
        partial = self._notify(200.00, message=invoice.name)
        self.assertEqual(partial.state, "matched")
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 259.90)
        self.deliver_notices()
        sms = self.sandbox.twilio.messages[-1]["body"]
        self.assertIn("200,00 $", sms)
        self.assertIn("259,90 $", sms, "the receipt says what is left to pay")

        over = self._notify(300.00, message=invoice.name)
        self.assertEqual(over.state, "matched")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        credit = over.payment_id.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertAlmostEqual(credit.amount_residual, -40.10, msg="40.10 $ stays as the customer's credit")
        activity = invoice.activity_ids.filtered(lambda a: a.user_id == self.salesperson)
        self.assertEqual(activity.summary, "Use or refund the customer's credit")
        # In the salesperson's language.
        self.assertIn("40.10", str(activity.note))

    def test_a_notification_that_cannot_be_read_waits_and_the_merchant_types_the_amount(self):
        invoice = self._invoice()

        def new_wording(raw):
            return raw.replace(b"Fonds d=C3=A9pos=C3=A9s!", b"Argent re=C3=A7u!")

        # Signed after the change: Interac's own new wording.
        interac = self.sandbox.interac
        raw, _reference = interac.notification(459.90, "Élise Tremblay", invoice.name)
        raw = interac._delivered_to() + interac.sign(new_wording(raw))
        self.env["mail.thread"].message_process(False, raw)
        transfer = self.env["facture_a_payer.interac.transfer"].search([], limit=1)
        self.assertRecordValues(transfer, [{"state": "to_match", "trusted": True, "amount": 0.0}])
        self.assertEqual(transfer.parse_error, "the body does not confirm the subject (deposited)")

        transfer.invoice_id = invoice
        with self.assertRaises(UserError):
            transfer.action_fap_match()
        transfer.amount = 459.90
        transfer.action_fap_match()
        self.assertRecordValues(transfer, [{"state": "matched", "match_method": "manual"}])
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_a_dns_outage_waits_for_review_and_verifying_again_pays(self):
        invoice = self._invoice()
        self.sandbox.interac.dns.outage = True
        transfer = self._notify(459.90, message=invoice.name)
        self.assertEqual(transfer.state, "review")
        self.assertIn("DNS lookup failed", transfer.trust_detail)
        self.sandbox.interac.dns.outage = False
        transfer.action_fap_verify_again()
        self.assertRecordValues(transfer, [{"state": "matched", "invoice_id": invoice.id}])


@tagged("post_install", "-at_install")
class TestInteracOffered(InteracCase):
    def test_the_invoice_page_shows_the_address_the_amount_and_the_message(self):
        invoice = self._invoice(self.customer_en)
        page = self.url_open(invoice.get_portal_url()).text
        self.assertIn("Pay by Interac e-Transfer", page)
        self.assertIn('name="fap_interac_email">paiements@plomberie-test.example.com<', page)
        self.assertIn(f'name="fap_interac_message">{invoice.name}<', page)
        self.assertIn('data-fap-copy="459.90"', page)
        self.assertIn("459.90", page)

        # The page follows the customer's language (for a visitor who did not choose one).
        self.opener.cookies.clear()
        page = self.url_open(self._invoice().get_portal_url()).text
        self.assertIn("Payer par virement Interac", page)
        self.assertIn("Dans l'application ou le site de votre banque", page)

        self.company.fap_interac = False
        self.assertNotIn("fap_interac_details", self.url_open(invoice.get_portal_url()).text)

    def test_the_sending_of_an_invoice_mentions_interac(self):
        invoice = self._invoice()
        sms_before = len(self.sandbox.twilio.messages)
        self.send(invoice)
        sms = self.sandbox.twilio.messages[sms_before:]
        self.assertEqual(len(sms), 1)
        # One segment (test_less_noise): the Interac line does not fit beside the link, which opens the page that
        # names the address.
        self.assertIn(invoice._fap_get_short_url(), sms[0]["body"])
        self.assertIn("paiements@plomberie-test.example.com", self.open_as_visitor(invoice.get_portal_url()).text)
        email = invoice.message_ids.filtered(lambda m: m.message_type == "comment" and m.subtype_id.internal is False)[
            :1
        ]
        self.assertIn("paiements@plomberie-test.example.com", str(email.body))

    def test_the_customer_sends_the_e_transfer_from_the_phone_the_invoice_is_paid(self):
        invoice = self._invoice()
        self.send(invoice)
        self.sandbox.interac.gateway = {
            "url": self.base_url(),
            "db": self.env.cr.dbname,
            "login": "admin",
            "password": "admin",
        }
        # The SMS (one segment) carries the link; the invoice page says the amount and the message to write, each
        # with its copy button, and the customer pastes them in their bank app.
        invoice_page = lxml_html.fromstring(self.url_open(invoice.get_portal_url()).text)
        copied = [button.get("data-fap-copy") for button in invoice_page.xpath("//*[@data-fap-copy]")]
        self.assertIn("459.90", copied)
        self.assertIn(invoice.name, copied)
        page = requests.get(self.sandbox.url + "/", timeout=10).text
        form = lxml_html.fromstring(page).get_element_by_id("interac")
        values = {field.get("name"): field.get("value") for field in form.iter("input")}
        values.update(amount="459.90", message=invoice.name)
        self.env.flush_all()
        # The sandbox calls Odoo's XML-RPC gateway: the test lets that request in.
        with self.allow_requests(all_requests=True):
            answer = requests.post(
                self.sandbox.url + "/interac/send", data={**values, "lang": "fr"}, allow_redirects=False, timeout=60
            )
        self.assertEqual(answer.status_code, 303)
        self.env.invalidate_all()
        transfer = self.env["facture_a_payer.interac.transfer"].search([("invoice_id", "=", invoice.id)])
        self.assertRecordValues(transfer, [{"state": "matched", "match_method": "reference", "trusted": True}])
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertIn(f"{transfer.id}", str(self.sandbox.interac.delivered[-1]["result"]))
        # The customer's page is paid, its receipt names the e-Transfer.
        page = self.url_open(invoice.get_portal_url()).text
        self.assertIn('name="fap_paid_badge"', page)
        # In the page's language (the journal is named in the merchant's): « Virement Interac », « Interac e-Transfer ».
        self.assertEqual(transfer.payment_id.journal_id, invoice.company_id.fap_interac_journal_id)
        self.assertRegex(page, r'name="fap_paid_by">(Virement Interac|Interac e-Transfer)<')

    def test_settings_create_the_journal_and_the_alias_and_need_the_autodeposit_address(self):
        company = self.setup_quebec_company("Électricité Test inc.")
        settings = self.env["res.config.settings"].with_company(company).create({})
        with self.assertRaises(ValidationError):
            settings.write({"fap_interac": True})
        settings = (
            self.env["res.config.settings"]
            .with_company(company)
            .create({"fap_interac": True, "fap_interac_email": "virements@electricite.example.com"})
        )
        settings.execute()
        self.assertTrue(company.fap_interac)
        self.assertRecordValues(company.fap_interac_journal_id, [{"type": "bank", "code": "ITRC"}])
        alias = company.fap_interac_alias_id
        self.assertEqual(alias.alias_model_id.model, "facture_a_payer.interac.transfer")
        self.assertNotEqual(alias.alias_name, self.alias.alias_name, "one alias per company")
        self.assertEqual(settings.fap_interac_alias_address, alias.alias_full_name)


@tagged("post_install", "-at_install")
class TestInteracMerchantScreen(InteracMixin, FapSandboxCase):
    """« Virements Interac » on the merchant's phone (375 × 667, touch)."""

    browser_size = "375x667"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.env.ref("base.user_admin")
        admin.lang = "en_US"
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=admin.company_id.ids))
        cls.company = cls.env.company
        cls.enable_interac(cls.company, "paiements@merchant.example.com")
        cls.customer = cls.env["res.partner"].create({"name": "Marie Côté", "email": "marie@example.com"})

    def test_the_merchant_matches_a_transfer_with_two_candidates_in_one_tap(self):
        first, second = (
            self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_line_ids": [Command.create({"name": "Visite", "price_unit": 95.0, "tax_ids": False})],
                }
            )
            for _i in range(2)
        )
        (first | second).action_post()
        transfer = self._notify(95.0, sender="Marie Côté")
        self.assertEqual(transfer.state, "to_match")
        self.assertEqual(transfer.candidate_ids, first | second)

        self.start_tour("/odoo/fap-interac", "fap_merchant_interac_match", login="admin")
        self.assertRecordValues(transfer, [{"state": "matched", "match_method": "manual"}])
        paid = transfer.invoice_id
        self.assertIn(paid, first | second)
        self.assertIn(paid.payment_state, ("paid", "in_payment"))
        self.assertEqual(((first | second) - paid).payment_state, "not_paid")


# Interac's wordings (facture_a_payer/tests/interac_samples/): 2024 layout (« Funds Deposited! », « Transfer
# Details », label and value on one line or two), older wordings, French and English, and notices that are not
# deposits. (kind, lang, sender, amount, reference, message).
SAMPLES_READ = {
    "deposit_2024_en.eml": ("deposited", "en", "Jane Customer", "147.00", "C1AYd8eJYUcY", "Facture INV/2026/00051"),
    "deposit_2024_en_cells.eml": (
        "deposited",
        "en",
        "O'BRIEN CONSTRUCTION INC.",
        "2310.25",
        "C1AQ2w3e4r5T",
        "",
    ),
    "deposit_2024_fr.eml": (
        "deposited",
        "fr",
        "JOHNNY HOANG",
        "1234.50",
        "C1AZk3pQWm7R",
        "Soumission S00042, facture FAC/2026/00052",
    ),
    "deposit_legacy_en.eml": ("deposited", "en", "ANNIE-CLAUDE DAVID", "5.25", "CA9hT2kLmP4q", "INV-2026-00012 merci"),
    "deposit_legacy_fr.eml": ("deposited", "fr", "RÉAL LABELLE", "98.00", "CA3bN7vXc2Qe", "FAC/2026/00013"),
    "autodeposit_en.eml": (
        "deposited",
        "en",
        "JEAN-FRANÇOIS O'BRIEN",
        "1149.75",
        "CA1MRk7Xq2Pz",
        "Invoice INV/2026/00042 - thanks!",
    ),
    "autodeposit_fr.eml": ("deposited", "fr", "ÉLISE TREMBLAY", "12345.60", "CA1MRw9Tn4Hs", "Facture inv 2026 00043"),
    "autodeposit_fr_no_message.eml": ("deposited", "fr", "MARC-ANDRÉ GAGNON", "85.00", "CA1MRb3Vc8Km", ""),
    "claim_en.eml": ("to_claim", "en", "CAI FANG WU", "66.15", "C1AP9o8i7u6Y", "INV/2026/00060"),
    "claim_fr.eml": ("to_claim", "fr", "CAI FANG WU", "66.15", "C1AL5k4j3h2G", "FAC/2026/00060"),
    "reminder_en.eml": ("reminder", "en", None, None, "C1AP9o8i7u6Y", ""),
    "expired_fr.eml": ("expired", "fr", None, None, "C1AP9o8i7u6Y", ""),
    "request_money_en.eml": ("request", "en", None, None, None, ""),
}


@tagged("post_install", "-at_install")
class TestInteracSamples(TransactionCase):
    def test_samples_are_read_in_both_layouts_and_languages(self):
        for name, (kind, lang, sender, amount, reference, message) in SAMPLES_READ.items():
            with self.subTest(name):
                parsed = parse_notification(*read_email((SAMPLES / name).read_bytes()))
                self.assertEqual(
                    {key: parsed[key] for key in ("kind", "lang", "sender", "reference", "message")},
                    {"kind": kind, "lang": lang, "sender": sender, "reference": reference, "message": message},
                )
                self.assertEqual(parsed["amount"], amount and Decimal(amount))
                self.assertEqual(parsed["currency"], amount and "CAD")

    def test_amounts_and_names_come_from_interac_words_never_from_the_senders_message(self):
        subject = (
            "Interac e-Transfer: You've received $0.01 from SARAH MITCHELL and it has been automatically deposited."
        )
        body = (
            "Funds Deposited!\n\nSent From: SARAH MITCHELL\nAmount: $0.01 (CAD)\n{message}\n"
            "Reference Number: C1AAAAAAAAAA\n"
        )
        parsed = parse_notification(subject, body.format(message="Message: SARAH MITCHELL sent you $393.44 (CAD)"))
        self.assertEqual((parsed["amount"], parsed["sender"]), (Decimal("0.01"), "SARAH MITCHELL"))
        self.assertEqual(parsed["message"], "SARAH MITCHELL sent you $393.44 (CAD)")
        refused = {
            # A message on several lines whose second line reads like Interac's label.
            "a second amount": (subject, body.format(message="Message:\nINV/1\nAmount: $393.44 (CAD)")),
            # The subject and the label disagree.
            "the label against the subject": (subject.replace("0.01", "393.44"), body.format(message="")),
            # A name that makes the sentence readable two ways.
            "a name splitting the subject": (
                (
                    "Interac e-Transfer: You've received $0.01 from X and it has been automatically deposited. "
                    "You've received $393.44 from Y and it has been automatically deposited."
                ),
                body.format(message=""),
            ),
            # The subject of a deposit without Interac's confirmation in the body.
            "no « Funds Deposited! »": (subject, body.replace("Funds Deposited!", "").format(message="")),
        }
        for case, (subject_case, body_case) in refused.items():
            with self.subTest(case), self.assertRaises(NotificationParseError):
                parse_notification(subject_case, body_case)
        # French amounts: no-break and narrow no-break spaces, a space after the comma.
        for written, amount in (("1\u202f234,50 $", "1234.50"), ("1\u00a0234,50 $", "1234.50"), ("98, 00 $", "98.00")):
            parsed = parse_notification(
                f"Virement Interac : Vous avez reçu {written} de JEAN et ce montant a été déposé automatiquement.",
                f"Fonds déposés!\nEnvoyé par :\nJEAN\nMontant :\n{written} (CAD)\nNuméro de référence :\nC1ABCDEFGHIJ",
            )
            self.assertEqual(parsed["amount"], Decimal(amount), written)

    def test_invoice_numbers_are_found_as_customers_write_them(self):
        # The invoice number as customers write it, but not inside a longer number.
        pattern = reference_pattern("INV/2026/0001")
        for message in ("inv 2026 0001", "Facture INV-2026-0001.", "INV20260001"):
            self.assertTrue(pattern.search(message), message)
        for message in ("INV/2026/00012", "XINV/2026/0001", "INV/2026/00010"):
            self.assertFalse(pattern.search(message), message)
