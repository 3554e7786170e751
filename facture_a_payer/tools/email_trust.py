"""Is an email a genuine notification of a notifying domain, sent to one of the merchant's own addresses?

Trusted when all of these hold:

- the email has one ``From``, one ``To`` and one ``Subject`` header (a second one, added above a signed one, is what
  a mail client would show while the signature vouches for the other);
- ``From`` is an address of a notifying domain (or a subdomain);
- a DKIM signature of a notifying domain verifies, covers ``From``, ``To`` and ``Subject`` and the whole body (no
  ``l=``); or, when forwarding changed the email and broke it, the email's ARC chain verifies, its newest seal is by
  a forwarder the merchant chose to trust, that seal's message signature covers the same headers, and that
  forwarder's own results (read with ``authres``) say a DKIM signature of a notifying domain passed on receipt;
- ``To`` is one of the merchant's Autodeposit addresses: DKIM does not bind the recipient, so a genuine notification
  of someone else's transfer, sent on by its recipient, is refused here.
"""

# pylint: disable=prefer-env-translation
# A tool without an environment: its words are translated by the ``_`` it is given (the model's ``env._`` of the
# merchant's language), under the name Odoo's term extraction reads.

import email
import email.policy
import re
from email.utils import getaddresses, parseaddr

import authres
import dkim
import dns.exception
import dns.resolver

from odoo.tools import email_normalize

DNS_NAMESERVER_PARAM = "facture_a_payer.dns_nameserver"
SIGNED_HEADERS = (b"from", b"to", b"subject")


def _untranslated(text, **params):
    return text % params if params else text


def domain_list(text):
    return [domain.strip().lower().rstrip(".") for domain in re.split(r"[\s,;]+", text or "") if domain.strip()]


def address_list(text):
    """The email addresses of a setting (separated by commas, semicolons or spaces), normalized."""
    return [address for address in map(email_normalize, re.split(r"[\s,;]+", text or "")) if address]


def _within(domain, domains):
    domain = (domain or "").lower().rstrip(".")
    return any(domain == trusted or domain.endswith("." + trusted) for trusted in domains)


def make_dnsfunc(nameserver):
    """A TXT lookup through ``nameserver`` ("host:port"), as dkimpy asks for it; None: the system's resolver."""
    if not nameserver:
        return None
    host, _sep, port = nameserver.rpartition(":")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host or nameserver]
    resolver.port = int(port) if host else 53

    def dnsfunc(name, timeout=5):
        resolver.lifetime = timeout
        try:
            answer = resolver.resolve(name.decode(), "TXT")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return b""
        return b"".join(answer[0].strings)

    return dnsfunc


def sender_address(raw):
    """The normalized address of the email's only ``From`` header, else None (none, several, or unreadable)."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    senders = message.get_all("From") or []
    if len(senders) != 1:
        return None
    return email_normalize(parseaddr(str(senders[0]))[1]) or None


def from_notifying_domain(raw, notifying_domains):
    address = sender_address(raw)
    return bool(address) and _within(address.rpartition("@")[2], notifying_domains)


def _signed_tags(header_value):
    """The tags of a DKIM-Signature or ARC-Message-Signature header value."""
    tags = {}
    for part in re.sub(rb"\s+", b"", header_value).split(b";"):
        name, _sep, value = part.partition(b"=")
        if name:
            tags[name.strip().lower()] = value
    return tags


def _covers_headers(tags):
    signed = {name.strip().lower() for name in tags.get(b"h", b"").split(b":")}
    return all(header in signed for header in SIGNED_HEADERS)


def check(raw, notifying_domains, forwarders, recipients, dnsfunc=None, _=_untranslated):
    """Return ``(trusted, how)``: ``how`` says which signature made it trusted, or why it is not, in the words of
    ``_`` (``env._`` of the merchant's language)."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    for header in ("From", "To", "Subject"):
        count = len(message.get_all(header) or [])
        if count != 1:
            return False, _("%(count)s %(header)s headers instead of one", count=count, header=header)
    if not from_notifying_domain(raw, notifying_domains):
        return False, _("sent by %(address)s, not an address of a notifying domain", address=sender_address(raw) or "?")
    kwargs = {"dnsfunc": dnsfunc} if dnsfunc else {}
    try:
        trusted, how = _check_dkim(raw, notifying_domains, kwargs, _)
        if not trusted and forwarders and b"arc-seal" in {name.lower() for name, _value in dkim.DKIM(raw).headers}:
            trusted, arc_how = _check_arc(raw, notifying_domains, forwarders, kwargs, _)
            how = arc_how if trusted else f"{how}; {arc_how}"
    except dns.exception.DNSException as error:
        return False, _("DNS lookup failed (%(error)s): verify again later", error=error.__class__.__name__)
    except dkim.DKIMException as error:
        return False, _("unreadable signature: %(error)s", error=error)
    if not trusted:
        return False, how
    to = {email_normalize(address) for _name, address in getaddresses([str(message["To"])])} - {False}
    if not to & set(recipients):
        return False, _("sent to %(address)s, not to your Autodeposit address", address=", ".join(sorted(to)) or "?")
    return True, how


def _check_dkim(raw, notifying_domains, kwargs, _):
    verifier = dkim.DKIM(raw)
    signatures = [value for name, value in verifier.headers if name.lower() == b"dkim-signature"]
    failures = [] if signatures else [_("no DKIM signature")]
    for index, value in enumerate(signatures):
        tags = _signed_tags(value)
        domain = tags.get(b"d", b"?").decode(errors="replace")
        if not _within(domain, notifying_domains):
            failures.append(_("DKIM signature of %(domain)s, not a notifying domain", domain=domain))
            continue
        if b"l" in tags:
            # A signature of part of the body leaves room for text added after it.
            failures.append(_("DKIM signature of %(domain)s covers only part of the body", domain=domain))
            continue
        if not _covers_headers(tags):
            failures.append(_("DKIM signature of %(domain)s does not cover From, To and Subject", domain=domain))
            continue
        try:
            valid, failure = verifier.verify(idx=index, **kwargs), ""
        except dkim.DKIMException as error:
            valid, failure = False, " ({})".format(str(error).split(" (", 1)[0])
        if valid:
            return True, _("DKIM signature of %(domain)s", domain=domain)
        failures.append(_("DKIM signature of %(domain)s does not verify%(failure)s", domain=domain, failure=failure))
    return False, "; ".join(failures)


def _check_arc(raw, notifying_domains, forwarders, kwargs, _):
    chain, results, _comment = dkim.arc_verify(raw, **kwargs)
    if chain != b"pass" or not results:
        return False, _("ARC chain %(result)s", result=chain.decode())
    newest = max(results, key=lambda result: result["instance"])
    sealer = newest["as-domain"].decode()
    if not _within(sealer, forwarders):
        return False, _("ARC seal of %(sealer)s, not a trusted forwarder", sealer=sealer)
    signatures = [
        _signed_tags(value) for name, value in dkim.DKIM(raw).headers if name.lower() == b"arc-message-signature"
    ]
    newest_signature = next((tags for tags in signatures if tags.get(b"i") == str(newest["instance"]).encode()), {})
    if not _covers_headers(newest_signature):
        return False, _("ARC seal of %(sealer)s does not cover From, To and Subject", sealer=sealer)
    # The forwarder's results: "i=1; forwarder.example; dkim=pass header.d=payments.interac.ca".
    value = re.sub(r"^\s*i\s*=\s*\d+\s*;", "", newest["aar-value"].decode(errors="replace"))
    try:
        parsed = authres.AuthenticationResultsHeader.parse_value(value)
    except authres.AuthResError as error:
        return False, _("ARC seal of %(sealer)s with unreadable results (%(error)s)", sealer=sealer, error=error)
    for result in parsed.results:
        if result.method != "dkim" or result.result != "pass":
            continue
        signer = result.header_d or (result.header_i or "").rpartition("@")[2]
        if _within(signer, notifying_domains):
            return True, _(
                "ARC seal of %(sealer)s, DKIM signature of %(signer)s when it received the email",
                sealer=sealer,
                signer=signer,
            )
    return False, _("ARC seal of %(sealer)s without a DKIM signature of a notifying domain", sealer=sealer)
