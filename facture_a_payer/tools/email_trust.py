"""Is an email genuinely from a notifying domain? DKIM directly, or ARC through a trusted forwarding mailbox.

Trusted when one of the email's DKIM signatures verifies for a notifying domain (or a subdomain) and covers the
whole body. A forwarding mailbox that changed the email breaks that signature; then the email is trusted when
its ARC chain verifies, the newest seal is by a trusted forwarder, and that forwarder's own results say the
DKIM signature of a notifying domain passed when it received the email.
"""

import logging
import re

import dkim
import dns.exception
import dns.resolver

_logger = logging.getLogger(__name__)

DNS_NAMESERVER_PARAM = "facture_a_payer.dns_nameserver"


def domain_list(text):
    return [domain.strip().lower().rstrip(".") for domain in re.split(r"[\s,;]+", text or "") if domain.strip()]


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


def check(raw, notifying_domains, forwarders, dnsfunc=None):
    """Return ``(trusted, how)``: ``how`` says which signature made it trusted, or why it is not."""
    kwargs = {"dnsfunc": dnsfunc} if dnsfunc else {}
    try:
        verifier = dkim.DKIM(raw)
        signatures = [value for name, value in verifier.headers if name.lower() == b"dkim-signature"]
        failures = [] if signatures else ["no DKIM signature"]
        for index in range(len(signatures)):
            try:
                valid = verifier.verify(idx=index, **kwargs)
            except dkim.DKIMException as error:
                valid, failure = False, " ({})".format(str(error).split(" (", 1)[0])
            else:
                failure = ""
            domain = verifier.domain.decode() if verifier.domain else "?"
            if not valid:
                failures.append(f"DKIM signature of {domain} does not verify{failure}")
            elif not _within(domain, notifying_domains):
                failures.append(f"DKIM signature of {domain}, not a notifying domain")
            elif b"l" in verifier.signature_fields:
                # A signature of part of the body leaves room for text added after it.
                failures.append(f"DKIM signature of {domain} covers only part of the body")
            else:
                return True, f"DKIM signature of {domain}"
        if b"arc-seal" in {name.lower() for name, _value in verifier.headers}:
            trusted, how = _check_arc(raw, notifying_domains, forwarders, kwargs)
            if trusted:
                return True, how
            failures.append(how)
    except dns.exception.DNSException as error:
        return False, f"DNS lookup failed ({error.__class__.__name__}): verify again later"
    except dkim.DKIMException as error:
        return False, f"unreadable signature: {error}"
    return False, "; ".join(failures)


def _check_arc(raw, notifying_domains, forwarders, kwargs):
    chain, results, _comment = dkim.arc_verify(raw, **kwargs)
    if chain != b"pass" or not results:
        return False, f"ARC chain {chain.decode()}"
    newest = max(results, key=lambda result: result["instance"])
    sealer = newest["as-domain"].decode()
    if not _within(sealer, forwarders):
        return False, f"ARC seal of {sealer}, not a trusted forwarder"
    for resinfo in newest["aar-value"].decode().split(";"):
        match = re.match(r"\s*dkim=pass\b.*\bheader\.d=([\w.-]+)", resinfo)
        if match and _within(match[1], notifying_domains):
            return True, f"ARC seal of {sealer}, DKIM signature of {match[1]} when it received the email"
    return False, f"ARC seal of {sealer} without a DKIM signature of a notifying domain"
