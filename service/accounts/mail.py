"""The e-mails with a password-reset or invitation link, sent through the project's mail path
(service.notices.mail.Mailer: SMTP_URL, or .eml files in the outbox directory)."""

from __future__ import annotations

import logging
import uuid
from email.message import EmailMessage

from markupsafe import escape

from service.config import Settings, load_settings
from service.notices.mail import Mailer, _message

log = logging.getLogger(__name__)


def link_url(settings: Settings, purpose: str, token: str) -> str:
    """Built from the configured base URL (BASE_URL), never from the request's Host header."""
    return f"{settings.base_url.rstrip('/')}/{purpose}/{token}"


def _message_id(settings: Settings) -> str:
    domain = settings.mail_from.rsplit("@", 1)[-1].strip(" >") or "forestall.localhost"
    return f"<{uuid.uuid4().hex}.account@{domain}>"


def link_message(
    settings: Settings, to: str, purpose: str, token: str, org_name: str, invited_by: str | None = None
) -> EmailMessage:
    url = link_url(settings, purpose, token)
    if purpose == "reset":
        subject = "Reset your Forestall password"
        lines = [
            "Someone (we hope you) asked to reset the password of your Forestall account.",
            "Open this link within 1 hour to choose a new password. It works once:",
            url,
            "If you did not ask for this, ignore this e-mail: your password stays as it is.",
        ]
    else:
        subject = f"You are invited to Forestall ({org_name})"
        lines = [
            f"{invited_by or 'An administrator'} invited you to {org_name} on Forestall.",
            "Open this link within 7 days to choose your password. It works once:",
            url,
            "If you were not expecting this, ignore this e-mail.",
        ]
    text = "\n\n".join(lines) + "\n"
    html = "".join(
        f'<p><a href="{escape(line)}">{escape(line)}</a></p>' if line == url else f"<p>{escape(line)}</p>"
        for line in lines
    )
    message = _message(
        settings, to, subject, _message_id(settings), text, f"<html><body>{html}</body></html>", f"account-{purpose}"
    )
    message.replace_header("X-Forestall-Notice", f"account-{purpose}")
    return message


def send_link(
    to: str, purpose: str, token: str, org_name: str, invited_by: str | None = None, settings: Settings | None = None
) -> bool:
    """Send now; False (logged) when the mail server refuses or cannot be reached (the page must not say
    whether the address exists, so it does not show this)."""
    settings = settings or load_settings()
    mailer = Mailer(settings)
    try:
        mailer.send(link_message(settings, to, purpose, token, org_name, invited_by))
        return True
    except Exception:  # noqa: BLE001 - any mail failure: logged, the request still answers
        log.exception("could not send the %s e-mail", purpose)
        return False
    finally:
        mailer.close()
