"""Interac e-Transfer deposit notifications, DKIM-signed, delivered to Odoo's mail gateway; and their DNS.

A bank's customer sends an e-Transfer to the merchant's Autodeposit address; Interac emails the notification
(``notify@payments.interac.ca``, signed for ``payments.interac.ca``) to that address, whose mailbox forwards it
to Odoo's alias. Here the notification is written as Interac words it (English or French), signed with a test key
whose public half the sandbox's DNS server publishes, and handed to Odoo as its ``odoo-mailgate.py`` script does
(XML-RPC ``mail.thread.message_process``).

To test what must not be trusted: ``sign(..., signer="forger")`` signs for Interac's domain with a key DNS does not
publish, ``signer="other"`` signs for another domain; ``forward(...)`` plays a forwarding mailbox that edits the body
and adds an ARC seal (``forwarder.sandbox.test``) vouching for the DKIM signature it checked.
"""

import base64
import email.policy
import logging
import secrets
import socket
import threading
import time
import xmlrpc.client
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import dkim
import dns.exception
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .core import Response

_logger = logging.getLogger(__name__)

INTERAC_DOMAIN = "payments.interac.ca"
INTERAC_FROM = "notify@payments.interac.ca"
FORWARDER_DOMAIN = "forwarder.sandbox.test"
OTHER_DOMAIN = "interac-notifications.example.net"
SIGNED_HEADERS = [b"from", b"to", b"subject", b"date", b"message-id", b"content-type"]

# Interac's wordings, as its notifications read since 2024 (« Funds Deposited! » and the « Transfer Details »
# block), and the older ones some banks still send; a transfer to claim (no Autodeposit) is not a deposit.
# The reader's fixtures (facture_a_payer/tests/interac_samples/) hold the same wordings.
TEXTS = {
    ("deposited", "2024", "en"): {
        "from": "Interac e-Transfer",
        "subject": "Interac e-Transfer: You've received ${amount_en} from {sender} and it has been automatically "
        "deposited.",
        "body": (
            "Hi {recipient},\n\n"
            "Funds Deposited!\n\n"
            "{sender} sent you money and it's been automatically deposited into your account at {bank}.\n\n"
            "Transfer Details\n\n"
            "Sent From: {sender}\n"
            "Amount: ${amount_en} (CAD)\n"
            "{message_line}"
            "Date: {date_en}\n"
            "Reference Number: {reference}\n\n"
            "This email was sent to {to}. Please do not reply to this email.\n"
        ),
        "message_line": "Message: {message}\n",
    },
    ("deposited", "2024", "fr"): {
        "from": "Virement Interac",
        "subject": "Virement Interac : Vous avez reçu {amount_fr} $ de {sender} et ce montant a été déposé "
        "automatiquement.",
        "body": (
            "Bonjour {recipient},\n\n"
            "Fonds déposés!\n\n"
            "{sender} vous a envoyé de l'argent et ce montant a été déposé automatiquement dans votre compte à "
            "{bank}.\n\n"
            "Détails du virement\n\n"
            "Envoyé par : {sender}\n"
            "Montant : {amount_fr} $ (CAD)\n"
            "{message_line}"
            "Date : {date_fr}\n"
            "Numéro de référence : {reference}\n\n"
            "Ce courriel a été envoyé à {to}. Veuillez ne pas répondre à ce courriel.\n"
        ),
        "message_line": "Message : {message}\n",
    },
    ("deposited", "legacy", "en"): {
        "from": "Interac e-Transfer",
        "subject": "INTERAC e-Transfer: A money transfer from {sender} has been automatically deposited.",
        "body": (
            "Hi {recipient},\n\n"
            "{sender} has sent you a money transfer for the amount of ${amount_en} (CAD) and the money has been "
            "automatically deposited into your bank account at {bank}.\n\n"
            "{message_line}"
            "Reference Number: {reference}\n\n"
            "Please do not reply to this email.\n"
        ),
        "message_line": "Message: {message}\n\n",
    },
    ("deposited", "legacy", "fr"): {
        "from": "Virement Interac",
        "subject": "Virement INTERAC : Un virement de fonds de {sender} a été automatiquement déposé.",
        "body": (
            "Bonjour {recipient},\n\n"
            "{sender} vous a envoyé un virement de fonds de {amount_fr} $ (CAD) et l'argent a été automatiquement "
            "déposé dans votre compte à {bank}.\n\n"
            "{message_line}"
            "Numéro de référence : {reference}\n"
        ),
        "message_line": "Message : {message}\n\n",
    },
    ("to_claim", "2024", "en"): {
        "from": "Interac e-Transfer",
        "subject": "Interac e-Transfer: {sender} sent you ${amount_en}. Claim your deposit!",
        "body": (
            "Hi {recipient},\n\n"
            "Your funds await!\n\n"
            "{sender} sent you ${amount_en} (CAD). To deposit your money, choose your financial institution.\n\n"
            "{message_line}"
            "Reference Number: {reference}\n"
        ),
        "message_line": "Message: {message}\n\n",
    },
    ("to_claim", "2024", "fr"): {
        "from": "Virement Interac",
        "subject": "Virement Interac : {sender} vous a envoyé {amount_fr} $. Réclamez votre dépôt!",
        "body": (
            "Bonjour {recipient},\n\n"
            "Vos fonds vous attendent!\n\n"
            "{sender} vous a envoyé {amount_fr} $ (CAD). Pour déposer votre argent, choisissez votre institution "
            "financière.\n\n"
            "{message_line}"
            "Numéro de référence : {reference}\n"
        ),
        "message_line": "Message : {message}\n\n",
    },
}
MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
SMTP_POLICY = email.policy.default.clone(linesep="\r\n")


def _new_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


class DnsServer:
    """A UDP DNS server on the loopback answering TXT queries from ``records`` (name → bytes), NXDOMAIN else.

    ``outage``: no answer at all, the resolver times out."""

    def __init__(self, host="127.0.0.1", port=0):
        self.records = {}
        self.queries = []
        self.outage = False
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((host, port))
        self._socket.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="sandbox-dns")

    @property
    def address(self):
        host, port = self._socket.getsockname()
        return f"{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)
        self._socket.close()

    def _serve(self):
        while not self._stop.is_set():
            try:
                data, peer = self._socket.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            try:
                query = dns.message.from_wire(data)
            except dns.exception.DNSException:
                continue
            question = query.question[0]
            name = question.name.to_text().lower()
            self.queries.append(name)
            if self.outage:
                continue
            response = dns.message.make_response(query)
            value = self.records.get(name)
            if value is None or question.rdtype != dns.rdatatype.TXT:
                response.set_rcode(dns.rcode.NXDOMAIN)
            else:
                chunks = " ".join(f'"{value[i : i + 255].decode()}"' for i in range(0, len(value), 255))
                response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "TXT", chunks))
            self._socket.sendto(response.to_wire(), peer)


class InteracEmulator:
    """``POST /interac/send`` (the phone page's « Envoyer un virement »): write, sign and deliver a notification."""

    def __init__(self, sandbox, dns_port=0):
        self.sandbox = sandbox
        self.dns = DnsServer(sandbox.host, dns_port)
        self.keys = {}
        self.delivered = []
        # Odoo's mail gateway (url, db, login, password) and the alias the merchant's mailbox forwards to.
        self.gateway = {}
        self.forward_to = None
        self.autodeposit_to = "paiements@plomberie-beaulieu.example.com"
        self.selector = "s" + time.strftime("%Y%m")
        for signer, domain, selector, published in (
            ("interac", INTERAC_DOMAIN, self.selector, True),
            ("forger", INTERAC_DOMAIN, self.selector, False),
            ("other", OTHER_DOMAIN, "mail", True),
            ("forwarder", FORWARDER_DOMAIN, "arc", True),
        ):
            private, public = _new_key()
            self.keys[signer] = (domain, selector, private)
            if published:
                self.dns.records[f"{selector}._domainkey.{domain}."] = public

    @property
    def nameserver(self):
        """What Odoo's system parameter ``facture_a_payer.dns_nameserver`` is set to."""
        return self.dns.address

    def start(self):
        self.dns.start()

    def stop(self):
        self.dns.stop()

    def reset(self):
        self.delivered.clear()
        self.dns.outage = False

    # -- writing -------------------------------------------------------------------------------
    def notification(
        self,
        amount,
        sender,
        message="",
        lang="fr",
        reference=None,
        recipient=None,
        to=None,
        kind="deposited",
        layout="2024",
    ):
        """The notification as Interac writes it, not signed yet: (bytes, reference number)."""
        reference = reference or "C1A" + secrets.token_hex(5).upper()
        now = datetime.now().astimezone()
        texts = TEXTS[kind, layout, lang]
        amount_en = f"{amount:,.2f}"
        values = {
            "recipient": (recipient or "Plomberie Beaulieu").upper(),
            "sender": sender.upper(),
            "amount_en": amount_en,
            "amount_fr": amount_en.replace(",", "\u00a0").replace(".", ","),
            "bank": "Desjardins",
            "message_line": texts["message_line"].format(message=message) if message else "",
            "date_en": now.strftime("%B %-d, %Y"),
            "date_fr": f"{now.day} {MONTHS_FR[now.month - 1]} {now.year}",
            "reference": reference,
            "to": to or self.autodeposit_to,
        }
        notice = EmailMessage(policy=SMTP_POLICY)
        notice["From"] = f"{texts['from']} <{INTERAC_FROM}>"
        notice["To"] = values["to"]
        notice["Subject"] = texts["subject"].format(**values)
        notice["Date"] = format_datetime(now)
        notice["Message-ID"] = make_msgid(domain=INTERAC_DOMAIN)
        notice.set_content(texts["body"].format(**values))
        return notice.as_bytes(), reference

    def sign(self, raw, signer="interac"):
        domain, selector, private = self.keys[signer]
        signature = dkim.sign(raw, selector.encode(), domain.encode(), private, include_headers=SIGNED_HEADERS)
        return signature + raw

    def forward(self, raw, edit=True, sealer="forwarder"):
        """A forwarding mailbox: checks the DKIM signature and records the result, edits the body (``edit``),
        then ARC-seals what it forwards."""
        domain, selector, private = self.keys[sealer]
        checked = dkim.DKIM(raw)
        result = "pass" if checked.verify(dnsfunc=self.lookup) else "fail"
        header_d = (checked.domain or b"none").decode()
        if edit:
            raw = raw.replace(b"\r\n\r\n", b"\r\n\r\n[Forwarded by your mailbox]\r\n\r\n", 1)
        raw = (
            self._delivered_to()
            + f"Authentication-Results: {domain}; dkim={result} header.d={header_d}\r\n".encode()
            + raw
        )
        seal = dkim.arc_sign(
            raw, selector.encode(), domain.encode(), private, domain.encode(), include_headers=SIGNED_HEADERS
        )
        return b"".join(seal) + raw

    def lookup(self, name, timeout=5):
        return self.dns.records.get(name.decode(), b"")

    def _delivered_to(self):
        return f"Delivered-To: {self.forward_to}\r\n".encode() if self.forward_to else b""

    # -- delivering ----------------------------------------------------------------------------
    def deliver(self, raw):
        """Hand the email to Odoo's mail gateway as ``odoo-mailgate.py`` does; returns the record's id (or False)."""
        gateway = self.gateway
        common = xmlrpc.client.ServerProxy(f"{gateway['url']}/xmlrpc/2/common", allow_none=True)
        models = xmlrpc.client.ServerProxy(f"{gateway['url']}/xmlrpc/2/object", allow_none=True)
        uid = common.authenticate(gateway["db"], gateway["login"], gateway["password"], {})
        result = models.execute_kw(
            gateway["db"],
            uid,
            gateway["password"],
            "mail.thread",
            "message_process",
            [False, xmlrpc.client.Binary(raw)],
        )
        self.delivered.append({"raw": raw, "result": result, "date": time.time()})
        return result

    def send(self, amount, sender, message="", lang="fr"):
        """The customer's bank sends an e-Transfer: Interac's signed notification reaches Odoo by the alias."""
        raw, reference = self.notification(amount, sender, message, lang)
        self.deliver(self._delivered_to() + self.sign(raw))
        return reference

    # -- HTTP ----------------------------------------------------------------------------------
    def handle(self, request, path):
        if request.method == "POST" and path == "/send":
            form = dict(request.form)
            try:
                amount = float((form.get("amount") or "0").replace("\u00a0", "").replace(" ", "").replace(",", "."))
                self.send(amount, form.get("sender") or "Client", form.get("message", ""), form.get("lang") or "fr")
            except (ValueError, KeyError, OSError, xmlrpc.client.Error) as error:
                _logger.warning("sandbox: the e-Transfer notification was not delivered: %s", error)
                self.delivered.append({"raw": b"", "result": f"error: {error}", "date": time.time()})
            return Response.redirect("/")
        return Response.json({"error": {"message": f"Unrecognized request URL ({path})"}}, 404)
