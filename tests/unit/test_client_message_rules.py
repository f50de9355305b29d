"""The pure rules of the client's messages: SMS segments (GSM-7 vs UCS-2), the provider's signature, quiet
hours across daylight-saving changes, keywords, topics; and the texts in both languages (Babel catalogs)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from service.client_messages import rules, texts
from service.client_messages.rules import count_segments, fit_sms

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    "text, encoding, units, segments",
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # extension characters count two septets
        ("€" * 81, "GSM-7", 162, 2),
        ("a" * 152 + "€" + "a" * 10, "GSM-7", 164, 2),  # 1 + 152 then the escape pair goes to part 2
        ("a" * 152 + "{" + "a" * 152, "GSM-7", 306, 3),  # the pair is never split across parts
        ("[]{}|^~\\", "GSM-7", 16, 1),
        # Spanish: é É ñ Ñ ü Ü ¿ ¡ are GSM-7 basic characters ...
        ("¿Qué dice? ¡Señor! Pingüino É Ñ Ü", "GSM-7", 33, 1),
        ("é" * 160, "GSM-7", 160, 1),
        ("ñ" * 161, "GSM-7", 161, 2),
        # ... á í ó ú (and their capitals) are not: the whole message goes as UCS-2.
        ("día", "UCS-2", 3, 1),
        ("á" + "a" * 69, "UCS-2", 70, 1),
        ("á" + "a" * 70, "UCS-2", 71, 2),
        ("ó" * 134, "UCS-2", 134, 2),
        ("ú" * 135, "UCS-2", 135, 3),
        ("Í", "UCS-2", 1, 1),
        ("Ç", "GSM-7", 1, 1),
        ("ç", "UCS-2", 1, 1),  # only the capital is in the basic set
        ("😀" * 35, "UCS-2", 70, 1),  # a surrogate pair counts two
        ("😀" * 36, "UCS-2", 72, 2),
    ],
)
def test_segments(text, encoding, units, segments):
    assert count_segments(text) == rules.Segments(encoding, units, segments)


def test_fit_sms_folds_accents_before_cutting():
    spanish = "recordatorio: el último día para recuperar su casa es el miércoles. " * 2
    assert count_segments(spanish).encoding == "UCS-2" and count_segments(spanish).count == 3
    fitted = fit_sms(spanish)
    assert count_segments(fitted).count <= 2 and "ultimo dia" in fitted and "miércoles" in fitted
    assert fit_sms("hola") == "hola"
    long = fit_sms("x" * 500)
    assert count_segments(long).count == 2 and long.endswith("...")


def test_twilio_signature_matches_the_documented_example():
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert rules.twilio_signature("12345", url, params.items()) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert rules.signature_valid("12345", url, params.items(), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    assert not rules.signature_valid("12346", url, params.items(), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    assert not rules.signature_valid("12345", url, [*params.items(), ("Body", "x")], "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    assert not rules.signature_valid("12345", url, params.items(), None)
    assert not rules.signature_valid("", url, params.items(), rules.twilio_signature("", url, params.items()))


CHICAGO = "America/Chicago"


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(CHICAGO)).astimezone(UTC)


@pytest.mark.parametrize(
    "day, hour, minute, expected_day, expected_hour",
    [
        (dt.date(2026, 6, 10), 12, 0, dt.date(2026, 6, 10), 12),  # daytime: unchanged
        (dt.date(2026, 6, 10), 20, 59, dt.date(2026, 6, 10), 20),
        (dt.date(2026, 6, 10), 21, 0, dt.date(2026, 6, 11), 8),  # evening: next morning
        (dt.date(2026, 6, 10), 23, 30, dt.date(2026, 6, 11), 8),
        (dt.date(2026, 6, 11), 3, 0, dt.date(2026, 6, 11), 8),  # night: this morning
        (dt.date(2026, 6, 11), 7, 59, dt.date(2026, 6, 11), 8),
        (dt.date(2026, 6, 11), 8, 0, dt.date(2026, 6, 11), 8),
        # Daylight saving starts on 2026-03-08 (02:00 -> 03:00) and ends on 2026-11-01 (02:00 -> 01:00).
        (dt.date(2026, 3, 7), 22, 0, dt.date(2026, 3, 8), 8),
        (dt.date(2026, 10, 31), 22, 0, dt.date(2026, 11, 1), 8),
    ],
)
def test_quiet_hours(day, hour, minute, expected_day, expected_hour):
    moment = local(day, hour, minute)
    allowed = rules.after_quiet_hours(moment, CHICAGO)
    shown = allowed.astimezone(ZoneInfo(CHICAGO))
    assert (shown.date(), shown.hour) == (expected_day, expected_hour)
    if (day, hour) == (expected_day, expected_hour):
        assert allowed == moment


def test_quiet_hours_across_daylight_saving_in_utc():
    # 08:00 CST is 14:00 UTC on the night before the spring change; 08:00 CDT is 13:00 UTC the morning after.
    assert rules.after_quiet_hours(local(dt.date(2026, 3, 7), 22), CHICAGO) == dt.datetime(2026, 3, 8, 13, tzinfo=UTC)
    assert rules.after_quiet_hours(local(dt.date(2026, 10, 31), 22), CHICAGO) == dt.datetime(
        2026, 11, 1, 14, tzinfo=UTC
    )


def test_property_timezone():
    assert rules.property_timezone("ca", "America/New_York") == "America/Los_Angeles"
    assert rules.property_timezone(None, "America/New_York") == "America/New_York"


@pytest.mark.parametrize(
    "body, word",
    [
        ("STOP", "stop"),
        (" stop ", "stop"),
        ("Alto", "stop"),
        ("cancel", "stop"),
        ("UNSUBSCRIBE", "stop"),
        ("quit\n", "stop"),
        ("START", "start"),
        ("start", "start"),
        ("HELP", "help"),
        ("ayuda", "help"),
        ("please stop", None),
        ("", None),
        (None, None),
    ],
)
def test_keywords(body, word):
    assert rules.keyword(body) == word


def test_topics_never_the_servicers_or_lenders_clocks():
    assert rules.topic_of("manual", "court") == "hearing"
    assert rules.topic_of("manual", "borrower") == "document_request"
    assert rules.topic_of("redemption_period_end", "borrower") == "redemption_period_end"
    assert rules.topic_of("servicer_response_due", "servicer") is None
    assert rules.topic_of("manual", "servicer") is None
    assert rules.topic_of("deficiency_filing_deadline", "lender") is None
    from service.clock.kinds import DEADLINE_KINDS

    assert set(rules.TOPICS) - {"hearing", "document_request", "appointment"} <= set(DEADLINE_KINDS)


# ----------------------------------------------------------------------------------------------------
# Texts

CATALOG = Path(texts.__file__).parent / "translations" / "es" / "LC_MESSAGES"
LONG_ORG = "Legal Aid Society of Metropolitan Chicago and Suburbs"


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("topic", list(texts.TOPIC_WORDS))
def test_every_sms_reminder_fits_two_segments_and_says_date_and_phone(language, topic):
    day = dt.date(2026, 9, 30)  # a long weekday and month name in both languages
    body = texts.sms_reminder(language, topic, day, LONG_ORG, "(312) 555-0100 x 1234")
    assert count_segments(body).count <= 2
    assert "(312) 555-0100 x 1234" in body and "2026" in body and "30" in body
    assert ("septiembre" if language == "es" else "September") in body
    assert "4000123456" not in body


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kind", list(texts.REPLIES))
def test_every_sms_reply_fits_one_or_two_segments(language, kind):
    body = texts.sms_reply(language, kind, LONG_ORG, "(312) 555-0100")
    assert count_segments(body).count <= 2 and "(312) 555-0100" in body


def test_spanish_texts_come_from_the_catalog():
    subject, body = texts.email_reminder(
        "es", "hearing", dt.date(2026, 12, 15), "Ayuda Legal", "312-555-0100", "Ana", "https://x/u"
    )
    assert subject == "Recordatorio: su audiencia en el tribunal es el martes, 15 de diciembre de 2026"
    assert "Hola, Ana" in body and "312-555-0100" in body and "https://x/u" in body
    assert (
        texts.email_reminder("en", "hearing", dt.date(2026, 12, 15), "Legal Aid", "1", "Ana", "u")[0]
        == "Reminder: your court hearing is on Tuesday, December 15, 2026"
    )


def test_every_spanish_entry_is_marked_for_review_and_the_mo_matches_the_po():
    with open(CATALOG / "messages.po", "rb") as handle:
        po = read_po(handle)
    with open(CATALOG / "messages.mo", "rb") as handle:
        mo = read_mo(BytesIO(handle.read()))
    entries = [m for m in po if m.id]
    assert entries and all("needs review by a native speaker" in m.user_comments for m in entries)
    assert {m.id: m.string for m in entries} == {m.id: m.string for m in mo if m.id}
    extracted = {
        texts.SMS_REMINDER,
        texts.EMAIL_SUBJECT,
        texts.EMAIL_BODY,
        *texts.REPLIES.values(),
        *texts.TOPIC_WORDS.values(),
        *texts.APPOINTMENT_WORDS.values(),
        texts.SMS_APPOINTMENT,
        texts.EMAIL_APPOINTMENT_SUBJECT,
        texts.EMAIL_APPOINTMENT_BODY,
    }
    assert extracted == {m.id for m in entries}
    assert all(m.string for m in entries)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kind", list(texts.APPOINTMENT_WORDS))
def test_every_sms_appointment_fits_two_segments_with_time_and_place(language, kind):
    start = dt.datetime(2026, 9, 30, 14, 30, tzinfo=ZoneInfo(CHICAGO))
    place = "Cook County Circuit Court, Richard J. Daley Center, 50 W Washington St, Courtroom 2801, Chicago IL"
    body = texts.sms_appointment(language, kind, start, place, LONG_ORG, "(312) 555-0100")
    assert count_segments(body).count <= 2 and "(312) 555-0100" in body and "Cook County" in body
    assert ("2:30 PM" if language == "en" else "14:30") in body and ("STOP" in body or "ALTO" in body)
    assert ".." not in body


@pytest.mark.parametrize(
    "phone, expected",
    [
        ("312-555-0100", "+13125550100"),
        ("(312) 555-0100", "+13125550100"),
        ("1 312 555 0100", "+13125550100"),
        ("+1 312 555 0100", "+13125550100"),
        ("312.555.0100 x 12", "+13125550100"),
        ("+52 55 1234 5678", "+525512345678"),
        ("555-0100", None),
        ("", None),
        (None, None),
    ],
)
def test_e164(phone, expected):
    assert rules.e164(phone) == expected
