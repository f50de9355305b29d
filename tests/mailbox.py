"""Reading the e-mails the app wrote to the outbox directory (no SMTP_URL in the tests)."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage


def messages_to(address: str) -> list[EmailMessage]:
    from service.config import load_settings

    outbox = load_settings().outbox_dir
    found = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address:
            found.append(message)
    return found


def link_in(message: EmailMessage, purpose: str) -> str:
    """The /reset/<token> or /invite/<token> link in the plain-text part, as a full URL."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(rf"https?://\S+/{purpose}/\S+", text)
    assert match, text
    return match.group(0)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]
