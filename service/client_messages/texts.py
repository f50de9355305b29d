"""The words of the client's messages, in English (the msgids) and Spanish (translations/es, a Babel
catalog: messages.po, compiled to messages.mo and shipped with the package). Short and plain: the date,
what it is, and the organisation's phone. No loan number, no legal detail, in any message.

After changing a string: `pybabel extract -F babel.cfg -o service/client_messages/translations/messages.pot .`,
`pybabel update -i ... -d service/client_messages/translations`, translate (marking the entry as needing
review by a native speaker), then `pybabel compile -d service/client_messages/translations`
(tests/unit/test_client_message_texts.py checks that the .mo matches the .po)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date, format_time
from babel.support import NullTranslations, Translations

from service.client_messages.rules import fit_sms

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGES = ("en", "es")


def _(message: str) -> str:
    """Marks a string for extraction; translated where it is used."""
    return message


TOPIC_WORDS = {
    "hearing": _("your court hearing"),
    "redemption_period_end": _("the last day to buy back (redeem) your home"),
    "reinstatement_period_end": _("the last day to catch up on your loan"),
    "document_request": _("the day your papers are due to your mortgage company"),
    "sale_date": _("the sale of your home"),
    "answer_due": _("the last day to answer the court papers"),
    "loss_mit_appeal_due": _("the last day to appeal the loan decision"),
    "loss_mit_offer_acceptance_due": _("the last day to answer the loan offer"),
}

APPOINTMENT_WORDS = {
    "counseling_session": _("your housing counseling appointment"),
    "court_date": _("your court date"),
    "document_drop_off": _("your appointment to drop off documents"),
}

SMS_REMINDER = _("%(org)s: reminder: %(what)s is on %(date)s. Questions? Call %(phone)s. Reply STOP to end texts.")
EMAIL_SUBJECT = _("Reminder: %(what)s is on %(date)s")
EMAIL_BODY = _(
    "Hello %(name)s,\n\n"
    "This is a reminder from %(org)s: %(what)s is on %(date)s.\n\n"
    "If you have questions, call us at %(phone)s.\n\n"
    "To stop these e-mails, open this link: %(unsubscribe)s"
)
SMS_APPOINTMENT = _(
    "%(org)s: reminder: %(what)s is on %(date)s at %(time)s, %(place)s. Questions? Call %(phone)s. "
    "Reply STOP to end texts."
)
EMAIL_APPOINTMENT_SUBJECT = _("Reminder: %(what)s is on %(date)s at %(time)s")
EMAIL_APPOINTMENT_BODY = _(
    "Hello %(name)s,\n\n"
    "This is a reminder from %(org)s: %(what)s is on %(date)s at %(time)s.\n\n"
    "Place: %(place)s\n\n"
    "The attached calendar file adds it to your calendar.\n\n"
    "If you have questions, call us at %(phone)s.\n\n"
    "To stop these e-mails, open this link: %(unsubscribe)s"
)
STOP_CONFIRMATION = _(
    "%(org)s: you will get no more texts from us. Reply START to get them again. Questions? Call %(phone)s."
)
START_CONFIRMATION = _("%(org)s: you will get text reminders again. Reply STOP to end them. Questions? Call %(phone)s.")
HELP_ANSWER = _("%(org)s: reminders about your case. Questions? Call %(phone)s. Reply STOP to end texts.")
REPLIES = {"stop_confirmation": STOP_CONFIRMATION, "start_confirmation": START_CONFIRMATION, "help": HELP_ANSWER}

ORG_NAME_IN_SMS = 30  # characters; a longer name is cut (it is in every text)
PLACE_IN_SMS = 60


@lru_cache(maxsize=None)
def translations(language: str) -> NullTranslations:
    if language == "en":
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [language], domain="messages")


def gettext(language: str, message: str) -> str:
    return translations(language if language in LANGUAGES else "en").gettext(message)


def long_date(day: dt.date, language: str) -> str:
    return format_date(day, "full", locale=language if language in LANGUAGES else "en")


def _short_org(org: str) -> str:
    return org if len(org) <= ORG_NAME_IN_SMS else org[: ORG_NAME_IN_SMS - 1].rstrip() + "."


def sms_reminder(language: str, topic: str, due_on: dt.date, org: str, phone: str) -> str:
    text = gettext(language, SMS_REMINDER) % {
        "org": _short_org(org),
        "what": gettext(language, TOPIC_WORDS[topic]),
        "date": long_date(due_on, language),
        "phone": phone,
    }
    return fit_sms(text)


def sms_reply(language: str, kind: str, org: str, phone: str) -> str:
    return fit_sms(gettext(language, REPLIES[kind]) % {"org": _short_org(org), "phone": phone})


def email_reminder(
    language: str, topic: str, due_on: dt.date, org: str, phone: str, name: str, unsubscribe: str
) -> tuple[str, str]:
    values = {
        "org": org,
        "what": gettext(language, TOPIC_WORDS[topic]),
        "date": long_date(due_on, language),
        "phone": phone,
        "name": name,
        "unsubscribe": unsubscribe,
    }
    subject = gettext(language, EMAIL_SUBJECT) % values
    return subject[:1].upper() + subject[1:], gettext(language, EMAIL_BODY) % values


def short_time(moment: dt.datetime, language: str) -> str:
    return format_time(moment, "short", locale=language if language in LANGUAGES else "en")


def _cut(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size].rstrip(" ,.;")


def sms_appointment(language: str, kind: str, local_start: dt.datetime, place: str, org: str, phone: str) -> str:
    values = {
        "org": _short_org(org),
        "what": gettext(language, APPOINTMENT_WORDS[kind]),
        "date": long_date(local_start.date(), language),
        "time": short_time(local_start, language),
        "place": _cut(" ".join(place.split()), PLACE_IN_SMS),
        "phone": phone,
    }
    return fit_sms(gettext(language, SMS_APPOINTMENT) % values)


def email_appointment(
    language: str, kind: str, local_start: dt.datetime, place: str, org: str, phone: str, name: str, unsubscribe: str
) -> tuple[str, str]:
    values = {
        "org": org,
        "what": gettext(language, APPOINTMENT_WORDS[kind]),
        "date": long_date(local_start.date(), language),
        "time": short_time(local_start, language),
        "place": place,
        "phone": phone,
        "name": name,
        "unsubscribe": unsubscribe,
    }
    subject = gettext(language, EMAIL_APPOINTMENT_SUBJECT) % values
    return subject[:1].upper() + subject[1:], gettext(language, EMAIL_APPOINTMENT_BODY) % values
