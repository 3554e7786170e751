"""How long an SMS is for the phone network: one segment is 160 GSM-7 characters, or 70 once a single character
needs UCS-2 (« ê », « ô », « ç », « « », a no-break space...). GSM 03.38, the alphabet Twilio encodes in:
https://www.twilio.com/docs/glossary/what-is-gsm-7-character-encoding"""

import unicodedata

# The basic GSM 03.38 alphabet (one unit each): « é è à ù É Ç » are in it, « ê ô î â û ç ë ï » are not.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: two units each (an escape, then the character).
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM7_SEGMENT = 160
UCS2_SEGMENT = 70

# Typography the customer reads just as well in GSM-7.
LOOKALIKES = {
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "«": '"',
    "»": '"',
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "œ": "oe",
    "Œ": "OE",
}


def gsm7_units(text):
    """The GSM-7 units of ``text``, or ``None`` when a character of it is not in GSM-7 (the SMS goes as UCS-2)."""
    units = 0
    for char in text:
        if char in GSM7_BASIC:
            units += 1
        elif char in GSM7_EXTENSION:
            units += 2
        else:
            return None

    return units


def is_one_segment(text):
    units = gsm7_units(text)
    if units is None:
        # UCS-2 counts UTF-16 code units (an emoji takes two).
        return len(text.encode("utf-16-le")) // 2 <= UCS2_SEGMENT
    return units <= GSM7_SEGMENT


def to_gsm7(text):
    """``text`` in GSM-7: typography by its lookalike, an accent GSM-7 lacks dropped (« ê » → « e », « ç » → « c »),
    what has no equivalent by « ? »."""
    result = []
    for char in text:
        char = LOOKALIKES.get(char, char)
        if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in char):
            result.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        result.append(base if base and all(c in GSM7_BASIC for c in base) else "?")
    return "".join(result)
