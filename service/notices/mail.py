"""Reminder, escalation and digest e-mails: built from templates (HTML and plain text), sent through SMTP
(SMTP_URL) or, without it, written as .eml files to the outbox directory."""

from __future__ import annotations

import datetime as dt
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from models import Case, Deadline, Organization, User
from models.base import utcnow
from models.notices import Digest, Notice
from service import disclaimers
from service.cases.display import client_name
from service.config import Settings
from service.notices.preferences import effective_preferences, org_defaults, org_settings, user_preference
from service.notices.queries import DIGEST_DAYS, digest_deadlines
from service.notices.rules_review import MAX_AGE_DAYS, is_review_day, stale_rules
from service.permissions import is_org_admin
from service.notices.subjects import reminder_subject
from service.rulebook import local_today

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

SMTP_TIMEOUT = 20  # seconds; CLAIM_BATCH x this stays inside the claim's lease


class PermanentMailError(Exception):
    """The server refused the message for good (5xx): retrying will not help."""


def classify(error: Exception) -> str:
    """'permanent' for a 5xx refusal of the message or its recipient; everything else is 'transient'
    (connection refused or dropped, 4xx, timeouts; also authentication and sender refusals, which are
    the configuration's fault: the notices wait until it is fixed rather than fail)."""
    if isinstance(error, PermanentMailError):
        return "permanent"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        return "permanent" if codes and all(code >= 500 for code in codes) else "transient"
    if isinstance(error, (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused, smtplib.SMTPConnectError)):
        return "transient"
    if isinstance(error, smtplib.SMTPResponseException):
        return "permanent" if error.smtp_code >= 500 else "transient"
    return "transient"


class Mailer:
    """One SMTP connection reused for a batch; reconnects after any error."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if not self.settings.smtp_url:
            self._write_eml(message)
            return
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message)
        except Exception:
            self.close()
            raise

    def _write_eml(self, message: EmailMessage) -> None:
        outbox = self.settings.outbox_dir
        outbox.mkdir(parents=True, exist_ok=True)
        # Named by the Message-ID: a re-send after a crash replaces the file instead of adding one.
        name = re.sub(r"[^A-Za-z0-9._-]", "_", message["Message-ID"].strip("<>")) + ".eml"
        temporary = outbox / f".{name}.tmp"
        temporary.write_bytes(bytes(message))
        temporary.replace(outbox / name)

    def _connect(self) -> smtplib.SMTP:
        url = urlsplit(self.settings.smtp_url)
        options = {k: v[-1] for k, v in parse_qs(url.query).items()}
        host = url.hostname or "localhost"
        if url.scheme == "smtps":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, url.port or 465, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
            )
        elif url.scheme == "smtp":
            smtp = smtplib.SMTP(host, url.port or 25, timeout=SMTP_TIMEOUT)
            if options.get("starttls") in ("1", "true", "yes"):
                smtp.starttls(context=ssl.create_default_context())
        else:
            raise PermanentMailError(f"SMTP_URL scheme {url.scheme!r} is not smtp:// or smtps://")
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except Exception:  # noqa: BLE001 - the connection is gone either way
                pass
            self._smtp = None


def client_label(case: Case) -> str:
    """The client's name in a subject or calendar line; a case without one: "Case N"."""
    return client_name(case) or f"Case {case.id}"


def case_url(settings: Settings, case_id: int) -> str:
    # The case's page in the web front end: a browser following the link cannot send an API token.
    return f"{settings.base_url.rstrip('/')}/cases/{case_id}"


def _message(
    settings: Settings, to: str, subject: str, message_id: str, text: str, html: str, reference: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message["X-Forestall-Notice"] = reference
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def deadline_context(settings: Settings, case: Case, deadline: Deadline, today: dt.date) -> dict:
    return {
        "client": client_label(case),
        "case_id": case.id,
        "case_url": case_url(settings, case.id),
        "title": deadline.title,
        "due_on": deadline.due_on,
        "status": deadline.status,
        "binds": deadline.binds,
        "rule_id": deadline.rule_id or "manual",
        "citation": deadline.citation or "(none: entered by hand)",
        "source_url": deadline.source_url,
        "explanation": deadline.explanation,
        "days_left": (deadline.due_on - today).days if deadline.due_on else None,
        "verify_manually": deadline.verify_manually,
    }


def reminder_message(
    session: Session, notice: Notice, settings: Settings, now: dt.datetime | None = None
) -> EmailMessage:
    case = session.get(Case, notice.case_id)
    deadline = session.get(Deadline, notice.deadline_id)
    org = session.get(Organization, notice.org_id)
    today = local_today(org.timezone, now)
    item = deadline_context(settings, case, deadline, today)
    escalation = notice.kind == "escalation"
    subject = reminder_subject(deadline.title, deadline.due_on, item["client"], overdue=escalation)
    values = {
        "item": item,
        "escalation": escalation,
        "offset_days": notice.offset_days,
        "org": org.name,
        "not_legal_advice": disclaimers.REMINDERS,
        "subject": subject,
    }
    return _message(
        settings,
        notice.recipient,
        subject,
        notice.message_id,
        TEMPLATES.get_template("reminder.txt").render(**values),
        TEMPLATES.get_template("reminder.html").render(**values),
        f"notice-{notice.id}",
    )


def digest_message(session: Session, digest: Digest, settings: Settings) -> EmailMessage | None:
    """None when nothing is due in the next 14 days (no empty digest is sent)."""
    user = session.get(User, digest.user_id)
    org = session.get(Organization, digest.org_id)
    today = digest.digest_on
    due_rows = digest_deadlines(session, user, today)
    review = stale_rules(session, org.id, today) if is_review_day(today) and is_org_admin(user) else []
    # A digest with nothing in it is not sent; nor are deadlines to one who turned daily digests off and gets
    # this one for the rules review only.
    prefs = effective_preferences(org_defaults(org_settings(session, org.id)), user_preference(session, user.id))
    rows = due_rows if prefs.daily_digest else []
    if not rows and not review:
        return None
    cases = {c.id: c for c in session.query(Case).filter(Case.id.in_({r.case_id for r in rows}))}
    items = [deadline_context(settings, cases[r.case_id], r, today) for r in rows]
    overdue = [i for i in items if i["due_on"] < today]
    upcoming = [i for i in items if i["due_on"] >= today]
    subject = (
        f"Digest: {len(overdue)} overdue, {len(upcoming)} due in the next {DIGEST_DAYS} days ({today.isoformat()})"
    )
    if review:
        subject += f"; {len(review)} rule items to review"
    values = {
        "overdue": overdue,
        "upcoming": upcoming,
        "today": today,
        "org": org.name,
        "not_legal_advice": disclaimers.REMINDERS,
        "subject": subject,
        "name": user.full_name or user.email,
        "review": review,
        "review_age": MAX_AGE_DAYS,
        "jurisdictions_url": settings.base_url.rstrip("/") + "/jurisdictions",
    }
    return _message(
        settings,
        digest.recipient,
        subject,
        digest.message_id,
        TEMPLATES.get_template("digest.txt").render(**values),
        TEMPLATES.get_template("digest.html").render(**values),
        f"digest-{digest.id}",
    )
