"""Pure rules of the client's messages (no Flask, no database): SMS segment counting, the provider's
signature, quiet hours, the property's time zone, inbound keywords, and which deadlines reach the client."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from typing import Iterable
from zoneinfo import ZoneInfo

# ----------------------------------------------------------------------------------------------------
# SMS segments (3GPP TS 23.038, "GSM 03.38")

# The GSM 7-bit default alphabet: one septet each. Note which Spanish letters are in it: é É ñ Ñ ü Ü ¿ ¡
# are; á í ó ú Á Í Ó Ú are not (a message with any of them goes as UCS-2).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: an escape plus the character, two septets each.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153  # septets: one segment; each part of a concatenated message
UCS2_SINGLE, UCS2_MULTI = 70, 67  # UTF-16 code units
MAX_SEGMENTS = 2


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int  # segments the message is sent as


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def count_segments(text: str) -> Segments:
    """How many SMS segments `text` takes. A concatenated message's parts carry a header (153 septets or
    67 code units each); an extension character's two septets, and a surrogate pair, are never split
    across two parts."""
    if not text:
        return Segments("GSM-7", 0, 0)
    if is_gsm7(text):
        costs = [2 if c in GSM7_EXTENSION else 1 for c in text]
        encoding, single, multi = "GSM-7", GSM7_SINGLE, GSM7_MULTI
    else:
        costs = [2 if ord(c) > 0xFFFF else 1 for c in text]
        encoding, single, multi = "UCS-2", UCS2_SINGLE, UCS2_MULTI
    units = sum(costs)
    if units <= single:
        return Segments(encoding, units, 1)
    count, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            count, used = count + 1, 0
        used += cost
    return Segments(encoding, units, max(count, math.ceil(units / multi)))


# Letters that push Spanish text out of GSM-7, and their nearest GSM-7 letters (é É ñ Ñ ü Ü ¿ ¡ stay).
_TO_GSM7 = str.maketrans(
    {
        "á": "a",
        "í": "i",
        "ó": "o",
        "ú": "u",
        "Á": "A",
        "Í": "I",
        "Ó": "O",
        "Ú": "U",
        "ç": "Ç",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
    }
)


def fit_sms(text: str, max_segments: int = MAX_SEGMENTS) -> str:
    """The text as sent: unchanged (but for no-break spaces) when it fits in `max_segments`; else with its accents folded to GSM-7
    (a Spanish text in UCS-2 has 67 characters a part, in GSM-7 153); else cut with an ellipsis."""
    # Babel puts narrow and plain no-break spaces in times and dates: not GSM-7, and nobody sees the difference.
    text = text.replace("\u202f", " ").replace("\u00a0", " ")
    if count_segments(text).count <= max_segments:
        return text
    folded = text.translate(_TO_GSM7)
    if count_segments(folded).count <= max_segments:
        return folded
    while count_segments(folded + "...").count > max_segments:
        folded = folded[:-1]
    return folded.rstrip() + "..."


# ----------------------------------------------------------------------------------------------------
# Twilio's request signature


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Base64 of HMAC-SHA1 (key: the auth token) over the full URL followed by each POST parameter's name
    and value, sorted by name."""
    data = url + "".join(f"{name}{value}" for name, value in sorted(params, key=lambda item: item[0]))
    digest = hmac.new(auth_token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_valid(auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str | None) -> bool:
    if not signature or not auth_token:
        return False
    return hmac.compare_digest(twilio_signature(auth_token, url, params), signature)


# ----------------------------------------------------------------------------------------------------
# When: quiet hours in the client's time zone

QUIET_START, QUIET_END = dt.time(21, 0), dt.time(8, 0)


def after_quiet_hours(at: dt.datetime, timezone: str) -> dt.datetime:
    """`at` (UTC) if it falls outside 21:00-08:00 in `timezone`; else 08:00 local, that night's morning
    (daylight saving safe: zoneinfo gives 08:00 its offset of that day)."""
    zone = ZoneInfo(timezone)
    local = at.astimezone(zone)
    if QUIET_END <= local.time() < QUIET_START:
        return at
    morning = local.date() if local.time() < QUIET_END else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(morning, QUIET_END, tzinfo=zone).astimezone(dt.timezone.utc)


# The time zone most of each state's people live in (a few states span two: the larger part decides).
STATE_TIMEZONES = {
    "AL": "America/Chicago",
    "AK": "America/Anchorage",
    "AZ": "America/Phoenix",
    "AR": "America/Chicago",
    "CA": "America/Los_Angeles",
    "CO": "America/Denver",
    "CT": "America/New_York",
    "DE": "America/New_York",
    "DC": "America/New_York",
    "FL": "America/New_York",
    "GA": "America/New_York",
    "HI": "Pacific/Honolulu",
    "ID": "America/Boise",
    "IL": "America/Chicago",
    "IN": "America/Indiana/Indianapolis",
    "IA": "America/Chicago",
    "KS": "America/Chicago",
    "KY": "America/New_York",
    "LA": "America/Chicago",
    "ME": "America/New_York",
    "MD": "America/New_York",
    "MA": "America/New_York",
    "MI": "America/Detroit",
    "MN": "America/Chicago",
    "MS": "America/Chicago",
    "MO": "America/Chicago",
    "MT": "America/Denver",
    "NE": "America/Chicago",
    "NV": "America/Los_Angeles",
    "NH": "America/New_York",
    "NJ": "America/New_York",
    "NM": "America/Denver",
    "NY": "America/New_York",
    "NC": "America/New_York",
    "ND": "America/Chicago",
    "OH": "America/New_York",
    "OK": "America/Chicago",
    "OR": "America/Los_Angeles",
    "PA": "America/New_York",
    "RI": "America/New_York",
    "SC": "America/New_York",
    "SD": "America/Chicago",
    "TN": "America/Chicago",
    "TX": "America/Chicago",
    "UT": "America/Denver",
    "VT": "America/New_York",
    "VA": "America/New_York",
    "WA": "America/Los_Angeles",
    "WV": "America/New_York",
    "WI": "America/Chicago",
    "WY": "America/Denver",
    "PR": "America/Puerto_Rico",
    "GU": "Pacific/Guam",
    "VI": "America/St_Thomas",
}


def property_timezone(state: str | None, fallback: str) -> str:
    return STATE_TIMEZONES.get((state or "").upper(), fallback)


def e164(phone: str | None) -> str | None:
    """A phone number as SMS providers want it: "+1" and ten digits for a North American number
    ("312-555-0100", "(312) 555-0100", "1 312 555 0100"), "+" and the digits for one given with "+"; an
    extension is dropped. None when it cannot be a mobile number."""
    if not phone:
        return None
    main = re.split(r"(?i)\s*(?:x|ext\.?)\s*\d", phone)[0]
    digits = re.sub(r"\D", "", main)
    if main.strip().startswith("+"):
        return f"+{digits}" if 8 <= len(digits) <= 15 else None
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return f"+1{digits}" if len(digits) == 10 else None


# ----------------------------------------------------------------------------------------------------
# Inbound keywords

STOP_WORDS = frozenset({"STOP", "ALTO", "CANCEL", "UNSUBSCRIBE", "QUIT", "STOPALL", "END"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "AYUDA", "INFO"})


def keyword(body: str | None) -> str | None:
    """ "stop", "start" or "help" for an inbound SMS that is one of those words (any case, trimmed)."""
    word = (body or "").strip().upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in HELP_WORDS:
        return "help"
    return None


# ----------------------------------------------------------------------------------------------------
# Which deadlines reach the client

# A topic is what the client hears about. Deadline kinds that bind the servicer or the lender (their own
# clocks) are never topics. There is no deadline kind for a court hearing or for a document the servicer
# asked for: staff enter those as manual deadlines, binding the court (a hearing) or the borrower (a
# document to send).
# "appointment": the case's appointments (counseling sessions, court dates, document drop-offs).
TOPICS = (
    "hearing",
    "redemption_period_end",
    "reinstatement_period_end",
    "document_request",
    "appointment",
    "sale_date",
    "answer_due",
    "loss_mit_appeal_due",
    "loss_mit_offer_acceptance_due",
)
DEFAULT_TOPICS = ("hearing", "redemption_period_end", "reinstatement_period_end", "document_request", "appointment")
APPOINTMENT_OFFSETS = (("2d", dt.timedelta(days=2)), ("2h", dt.timedelta(hours=2)))
CLIENT_BINDS = ("borrower", "court")
OFFSETS = (7, 1)  # days before the due date
LOCAL_HOUR = 10  # in the client's time zone


def topic_of(kind: str, binds: str) -> str | None:
    if binds not in CLIENT_BINDS:
        return None
    if kind == "manual":
        return "hearing" if binds == "court" else "document_request"
    return kind if kind in TOPICS else None


def client_send_at(due_on: dt.date, offset: int, timezone: str) -> dt.datetime:
    zone = ZoneInfo(timezone)
    day = due_on - dt.timedelta(days=offset)
    return dt.datetime.combine(day, dt.time(LOCAL_HOUR), tzinfo=zone).astimezone(dt.timezone.utc)
