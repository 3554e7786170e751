"""Read an Interac e-Transfer deposit notification: who sent how much, with which message and reference number.

The wording differs by language and changes over time: each known wording is one entry of ``FORMATS`` (a pattern
that recognizes it, one per field), tried in order. A new wording is a new entry, with its sample in
``tests/interac_samples/``.
"""

import email
import email.policy
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from odoo.tools import html2plaintext

_SPACE = r"[ \t\u00a0\u202f]"
_AMOUNT_EN = r"\$\s?(?P<amount>\d{1,3}(?:,\d{3})*(?:\.\d{2})?)\s*\((?P<currency>[A-Z]{3})\)"
_AMOUNT_FR = rf"(?P<amount>\d{{1,3}}(?:{_SPACE}\d{{3}})*(?:,\d{{2}})?){_SPACE}*\$\s*\((?P<currency>[A-Z]{{3}})\)"

FORMATS = [
    {
        "lang": "en",
        # "JEAN TREMBLAY sent you $1,234.56 (CAD) and the money has been automatically deposited …"
        "recognize": r"sent you \$[\d,.]+ \([A-Z]{3}\)",
        "sender": r"^\s*(?P<sender>\S.*?)\s+(?:has\s+)?sent you \$",
        "amount": _AMOUNT_EN,
        "decimal_mark": ".",
        "message": r"^\s*Message:[ \t]*(?P<message>.*)$",
        "reference": r"^\s*Reference Number:\s*(?P<reference>[A-Za-z0-9]{6,})\s*$",
    },
    {
        "lang": "fr",
        # « JEAN TREMBLAY vous a envoyé 1 234,56 $ (CAD) et l'argent a été déposé automatiquement … »
        "recognize": r"vous a envoyé [\d \u00a0\u202f,.]+\$ \([A-Z]{3}\)",
        "sender": r"^\s*(?P<sender>\S.*?)\s+vous a envoyé\s",
        "amount": _AMOUNT_FR,
        "decimal_mark": ",",
        "message": rf"^\s*Message{_SPACE}?:[ \t]*(?P<message>.*)$",
        "reference": rf"^\s*Numéro de référence{_SPACE}?:\s*(?P<reference>[A-Za-z0-9]{{6,}})\s*$",
    },
]


class NotificationParseError(ValueError):
    pass


def notification_text(raw):
    """The readable text of the email: its plain text part, else its HTML made plain."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    return html2plaintext(content) if part.get_content_type() == "text/html" else content


def parse_notification(text):
    """Return ``{lang, sender, amount, currency, message, reference}`` read from the notification's text.

    Raise ``NotificationParseError`` naming what could not be read.
    """
    for fmt in FORMATS:
        if not re.search(fmt["recognize"], text):
            continue
        values = {"lang": fmt["lang"]}
        for field in ("sender", "amount", "message", "reference"):
            match = re.search(fmt[field], text, re.MULTILINE)
            if field == "message":  # a transfer may come without a message
                values["message"] = match and match["message"].strip() or ""
                continue
            if not match:
                raise NotificationParseError(f"no {field} found in the {fmt['lang']} notification")
            values.update({key: value.strip() for key, value in match.groupdict().items()})
        values["amount"] = _amount(values["amount"], fmt["decimal_mark"])
        return values
    raise NotificationParseError("not a known Interac e-Transfer deposit notification")


def _amount(text, decimal_mark):
    digits = re.sub(r"[^\d" + re.escape(decimal_mark) + "]", "", text).replace(decimal_mark, ".")
    try:
        return float(Decimal(digits))
    except InvalidOperation as error:
        raise NotificationParseError(f"unreadable amount {text!r}") from error


def name_key(name):
    """A person's or business's name with accents, case, punctuation and order of words ignored."""
    plain = unicodedata.normalize("NFKD", name or "")
    plain = "".join(char for char in plain if not unicodedata.combining(char)).casefold()
    return tuple(sorted(re.findall(r"[a-z0-9]+", plain)))


def reference_pattern(reference):
    """A regular expression finding ``reference`` (e.g. INV/2026/00012) in a message as customers write it:
    any case, any separators between its parts (INV 2026 00012, inv-2026-00012), but not inside a longer
    number (INV/2026/000123)."""
    parts = re.findall(r"[A-Za-z0-9]+", reference or "")
    if not parts:
        return None
    return re.compile(
        r"(?<![A-Za-z0-9])" + r"[^A-Za-z0-9]*".join(map(re.escape, parts)) + r"(?![A-Za-z0-9])", re.IGNORECASE
    )
