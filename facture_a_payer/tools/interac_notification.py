"""Read an Interac e-Transfer notification: what kind of notice it is and, for a deposit, who sent how much, with
which reference number and message.

Only Interac's own words are read. The kind comes from the subject, matched whole against Interac's subjects, and,
for a deposit, from a fixed sentence of the body that confirms it. The sender, amount, currency and reference come
from Interac's labels (« Amount: », « Montant : », value on the same line or the next) and sentences. The sender's
message is taken out of the text before anything else is read: it is kept as data and searched only for an invoice
number, never for an amount or a name. Every value Interac says twice (the subject's amount and the « Amount: »
label) must agree, and a sentence that a sender's name could split two ways is not read: the notice is then
unreadable and waits for a person.

Interac's wordings differ by language and change over time: each is one entry of ``WORDINGS`` (its subject, the
body's sentences), with samples in ``tests/interac_samples/``. A new wording is a new entry and a new sample.
"""

import email
import email.policy
import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import html as lxml_html

# Deposits may pay; money waiting to be claimed never does, until its deposit notice comes.
DEPOSITED, TO_CLAIM, REMINDER, REQUEST, EXPIRED, CANCELLED, OTHER = (
    "deposited",
    "to_claim",
    "reminder",
    "request",
    "expired",
    "cancelled",
    "other",
)

# Placeholders of the wordings below: a name (any text, split only one way), an amount in either language.
_NAME = r"(?P<sender>\S.*?)"
_AMOUNT_EN = r"\$ ?(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d{2})?|\d+(?:\.\d{2})?)(?: ?\((?P<currency>[A-Z]{3})\))?"
_AMOUNT_FR = r"(?P<amount>\d{1,3}(?: \d{3})+(?: ?, ?\d{2})?|\d+(?: ?, ?\d{2})?) ?\$(?: ?\((?P<currency>[A-Z]{3})\))?"
_EN = r"(?:INTERAC e-Transfer|Interac e-Transfer)"
_FR = r"(?:Virement INTERAC|Virement Interac)"

WORDINGS = [
    # Reminders and the notices of transfers that did not go through come first: their subjects quote others.
    {"kind": REMINDER, "lang": "en", "subject": rf"(?:{_EN} ?: )?Reminder ?: .+"},
    {"kind": REMINDER, "lang": "fr", "subject": rf"(?:{_FR} ?: )?Rappel ?: .+"},
    # 2024 on: « Funds Deposited! », then the « Transfer Details » block of labelled values.
    {
        "kind": DEPOSITED,
        "lang": "en",
        "subject": rf"{_EN}: You've received {_AMOUNT_EN} from {_NAME} and it has been automatically deposited\.",
        "confirm": [r"Funds Deposited ?!"],
    },
    {
        "kind": DEPOSITED,
        "lang": "fr",
        "subject": rf"{_FR} ?: Vous avez reçu {_AMOUNT_FR} de {_NAME} et ce montant a été déposé automatiquement\.",
        "confirm": [r"Fonds déposés ?!"],
    },
    # Older wordings, still sent by some banks.
    {
        "kind": DEPOSITED,
        "lang": "en",
        "subject": rf"{_EN}: A money transfer from {_NAME} has been automatically deposited\.",
        "confirm": [
            (
                rf"(?:Hi .+?, )?{_NAME} has sent you a money transfer for the amount of {_AMOUNT_EN} and the money "
                r"has been automatically deposited into your (?:bank )?account at .+"
            )
        ],
    },
    {
        "kind": DEPOSITED,
        "lang": "en",
        "subject": rf"{_EN}: Your money has been automatically deposited\.",
        "confirm": [
            (
                rf"(?:Hi .+?, )?{_NAME} sent you {_AMOUNT_EN} and the money has been automatically deposited into "
                r"your (?:bank )?account at .+"
            )
        ],
    },
    {
        "kind": DEPOSITED,
        "lang": "fr",
        "subject": rf"{_FR} ?: Un virement de fonds de {_NAME} a été automatiquement déposé\.",
        "confirm": [
            (
                rf"(?:Bonjour .+?, )?{_NAME} vous a envoyé un virement de fonds de {_AMOUNT_FR} et l'argent a été "
                r"(?:automatiquement déposé|déposé automatiquement) dans votre compte .+"
            )
        ],
    },
    {
        "kind": DEPOSITED,
        "lang": "fr",
        "subject": rf"{_FR} ?: Votre argent a été déposé automatiquement\.",
        "confirm": [
            (
                rf"(?:Bonjour .+?, )?{_NAME} vous a envoyé {_AMOUNT_FR} et l'argent a été déposé automatiquement "
                r"dans votre compte .+"
            )
        ],
    },
    # Money waiting to be claimed (no Autodeposit): never a payment.
    {"kind": TO_CLAIM, "lang": "en", "subject": rf"{_EN}: {_NAME} sent you {_AMOUNT_EN}\. Claim your deposit ?!"},
    {"kind": TO_CLAIM, "lang": "en", "subject": rf"{_EN}: Claim your {_AMOUNT_EN} from {_NAME} by .+"},
    {"kind": TO_CLAIM, "lang": "en", "subject": rf"{_EN}: {_NAME} sent you money\."},
    {"kind": TO_CLAIM, "lang": "en", "subject": rf"{_EN}: Your funds await ?!"},
    {
        "kind": TO_CLAIM,
        "lang": "fr",
        "subject": rf"{_FR} ?: {_NAME} vous a envoyé {_AMOUNT_FR}\. Réclamez votre dépôt ?!",
    },
    {"kind": TO_CLAIM, "lang": "fr", "subject": rf"{_FR} ?: Réclamez vos {_AMOUNT_FR} de {_NAME} d'ici le .+"},
    {"kind": TO_CLAIM, "lang": "fr", "subject": rf"{_FR} ?: {_NAME} vous a envoyé de l'argent\."},
    {"kind": TO_CLAIM, "lang": "fr", "subject": rf"{_FR} ?: Vos fonds vous attendent ?!"},
    # Requests, expiries, cancellations: no money came in.
    {"kind": REQUEST, "lang": "en", "subject": rf"{_EN}: .*(?:money request|requested money|request(?:ed)? .*money).*"},
    {"kind": REQUEST, "lang": "fr", "subject": rf"{_FR} ?: .*(?:demandé|demande) .*(?:argent|fonds|virement).*"},
    {"kind": EXPIRED, "lang": "en", "subject": rf"{_EN}: .*\bexpired\b.*"},
    {"kind": EXPIRED, "lang": "fr", "subject": rf"{_FR} ?: .*\bexpiré.*"},
    {"kind": CANCELLED, "lang": "en", "subject": rf"{_EN}: .*\bcancell?ed\b.*"},
    {"kind": CANCELLED, "lang": "fr", "subject": rf"{_FR} ?: .*\bannulé.*"},
]

# Interac's labels, English and French; a value on the label's line or on the next one.
LABELS = {
    "sender": r"(?:Sent From|Sent By|Envoyé par|Expéditeur)",
    "amount": r"(?:Amount|Montant)",
    "reference": r"(?:Reference Number|Reference number|Numéro de référence)",
    "date": r"Date",
}
_MESSAGE_LABEL = re.compile(r"Message ?:(?: (?P<value>.*))?", re.IGNORECASE)
_REFERENCE = re.compile(r"[A-Za-z0-9]{8,24}")
_SPACES = re.compile(r"[ \t\u00a0\u2007\u2009\u202f]+")
MONTHS = {
    name: number % 12 + 1
    for number, name in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october"]
        + ["november", "december", "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août"]
        + ["septembre", "octobre", "novembre", "décembre"]
    )
}
_BLOCK_TAGS = {"p", "div", "br", "tr", "li", "table", "h1", "h2", "h3", "h4", "h5", "h6", "section", "center"}


class NotificationParseError(ValueError):
    pass


def _normalize(text):
    """One kind of space, one kind of apostrophe, no space at the ends: as the wordings are written."""
    text = unicodedata.normalize("NFC", text or "").replace("\u2019", "'")
    return _SPACES.sub(" ", text).strip()


def _html_text(html):
    """The text of an HTML email, a line per block (paragraph, line break, table row), cells side by side."""
    tree = lxml_html.fromstring(html)
    for element in tree.xpath("//script|//style|//head"):
        element.drop_tree()
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            element.text = "\n" + (element.text or "")
        elif element.tag in ("td", "th"):
            element.tail = " " + (element.tail or "")
    return tree.text_content()


def read_email(raw):
    """``(subject, text)`` of the email: its decoded subject, and its plain text part (else its HTML as text)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    subject = str(message.get("Subject") or "")
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return subject, ""
    content = part.get_content()
    return subject, _html_text(content) if part.get_content_type() == "text/html" else content


def _match_whole(pattern, text):
    """The named values of ``pattern`` matching the whole of ``text``, or None. Refused when a name could end at
    two places (a sender named « X sent you $900.00 (CAD) and … »): then the sentence is not Interac's alone."""
    lazy = re.fullmatch(pattern, text, re.IGNORECASE)
    if not lazy:
        return None
    greedy = re.fullmatch(pattern.replace(r"(?P<sender>\S.*?)", r"(?P<sender>\S.*)"), text, re.IGNORECASE)
    if greedy is None or greedy.groupdict() != lazy.groupdict():
        raise NotificationParseError("a sentence of the notification can be read in two ways")
    return lazy.groupdict()


def _split_message(lines):
    """``(message, other lines)``: the sender's message (after Interac's « Message: » label, on its line or the
    next that is not blank) taken out of the lines, blank ones included."""
    for index, line in enumerate(lines):
        match = _MESSAGE_LABEL.fullmatch(line)
        if not match:
            continue
        if match["value"]:
            return match["value"].strip(), lines[:index] + lines[index + 1 :]
        # The value on the next line (a label alone is a message left empty when a label follows).
        following = next((i for i in range(index + 1, len(lines)) if lines[i]), None)
        if following is not None and not _is_label(lines[following]):
            return lines[following], lines[:index] + lines[following + 1 :]
        return "", lines[:index] + lines[index + 1 :]
    return "", lines


def _paragraphs(lines):
    """The lines of each paragraph joined: a sentence a mail client wrapped reads whole again."""
    paragraphs, current = [], []
    for line in [*lines, ""]:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    return paragraphs


def _is_label(line):
    return any(re.match(rf"{label} ?:", line, re.IGNORECASE) for label in LABELS.values()) or bool(
        _MESSAGE_LABEL.match(line)
    )


def _labelled(lines, field):
    """Every value Interac gives ``field`` by its label."""
    values = []
    for index, line in enumerate(lines):
        match = re.fullmatch(rf"{LABELS[field]} ?:(?: (?P<value>.+))?", line, re.IGNORECASE)
        if not match:
            continue
        value = match["value"]
        if not value and index + 1 < len(lines) and not _is_label(lines[index + 1]):
            value = lines[index + 1]
        if value:
            values.append(value.strip())
    return values


def _number(number, lang):
    """The Decimal of an amount's digits as ``lang`` writes them (« 1,234.50 », « 1 234,50 », « 98, 00 »)."""
    number = number.replace(" ", "")
    number = number.replace(",", "") if lang == "en" else number.replace(",", ".")
    try:
        return Decimal(number)
    except InvalidOperation as error:
        raise NotificationParseError(f"unreadable amount {number!r}") from error


def _labelled_amount(text, lang):
    """``(digits, currency, lang)`` of a label's amount (« $1,234.50 (CAD) », « 1 234,50 $ (CAD) »), in the
    notice's language or, in a bilingual notice, the other."""
    for language in (lang, "fr" if lang == "en" else "en"):
        match = re.fullmatch(_AMOUNT_EN if language == "en" else _AMOUNT_FR, text)
        if match:
            return match["amount"], match["currency"], language
    raise NotificationParseError(f"unreadable amount {text!r}")


def _date(text):
    """« December 1, 2026 », « 1 décembre 2026 », « 2026-12-01 », else None."""
    text = text.lower().replace(",", " ")
    if match := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip()):
        numbers = [int(part) for part in match.groups()]
    elif match := re.fullmatch(r"([a-zéû]+) +(\d{1,2}) +(\d{4})", text.strip()):
        numbers = [int(match[3]), MONTHS.get(match[1], 0), int(match[2])]
    elif match := re.fullmatch(r"(\d{1,2})(?:er)? +([a-zéû]+) +(\d{4})", text.strip()):
        numbers = [int(match[3]), MONTHS.get(match[2], 0), int(match[1])]
    else:
        return None
    try:
        return date(*numbers)
    except ValueError:
        return None


def _one(values, field, same=lambda a, b: a == b):
    """The single value said for ``field``: saying it again is fine, saying something else is not."""
    values = [value for value in values if value is not None]
    if not values:
        return None
    if any(not same(values[0], value) for value in values[1:]):
        raise NotificationParseError(f"the notification gives two different values of its {field}")
    return values[0]


def parse_notification(subject, text):
    """Read a notification from its subject and text.

    Return ``{kind, lang, sender, amount, currency, reference, message, date}`` (amount a Decimal, date a
    ``datetime.date``; what a kind does not say is None). Raise ``NotificationParseError`` naming what could not
    be read; a deposit must say its sender, amount and reference.
    """
    subject = _normalize(subject)
    message, all_lines = _split_message([_normalize(line) for line in (text or "").splitlines()])
    lines = [line for line in all_lines if line]
    sentences = list(dict.fromkeys(lines + _paragraphs(all_lines)))
    for wording in WORDINGS:
        said = _match_whole(wording["subject"], subject)
        if said is None:
            continue
        kind, lang = wording["kind"], wording["lang"]
        senders, amounts = [said.get("sender")], [said.get("amount") and (said["amount"], said["currency"], lang)]
        if wording.get("confirm"):
            confirmed = False
            for sentence in sentences:
                for pattern in wording["confirm"]:
                    values = _match_whole(pattern, sentence)
                    if values is not None:
                        confirmed = True
                        senders.append(values.get("sender"))
                        amounts.append(values.get("amount") and (values["amount"], values["currency"], lang))
            if not confirmed:
                raise NotificationParseError(f"the body does not confirm the subject ({kind})")
        senders += _labelled(lines, "sender")
        amounts += [_labelled_amount(value, lang) for value in _labelled(lines, "amount")]
        values = {
            "kind": kind,
            "lang": lang,
            "message": message,
            "sender": _one(senders, "sender", lambda a, b: name_key(a) == name_key(b)),
            "reference": _one(_labelled(lines, "reference"), "reference number"),
            "date": _one([_date(value) for value in _labelled(lines, "date")], "date"),
        }
        amounts = [amount for amount in amounts if amount]
        values["amount"] = _one([_number(digits, language) for digits, _currency, language in amounts], "amount")
        values["currency"] = _one([currency for _digits, currency, _language in amounts], "currency") or (
            "CAD" if values["amount"] is not None else None
        )
        if values["reference"] and not _REFERENCE.fullmatch(values["reference"]):
            raise NotificationParseError(f"unreadable reference number {values['reference']!r}")
        if kind == DEPOSITED:
            missing = [field for field in ("sender", "amount", "reference") if not values[field]]
            if missing:
                raise NotificationParseError(f"no {', '.join(missing)} in the deposit notification")
            if values["amount"] <= 0:
                raise NotificationParseError("the deposit's amount is not positive")
        return values
    raise NotificationParseError("not a known Interac e-Transfer notification")


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
