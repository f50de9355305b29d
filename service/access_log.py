"""gunicorn's access log without secrets: tokens that travel in URLs are replaced by [redacted].

The calendar feed's URL is its secret (a calendar application cannot send a header), and links in
e-mails carry single-use tokens; an access log is read by more people, and kept longer, than the
database. Used through `logger_class` in gunicorn.conf.py.
"""
from __future__ import annotations

import re

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
# Forestall's own token prefixes (API fst_, calendar feed fsc_) wherever they appear, then the path
# segment after a route whose next segment is a secret, then query parameters that carry one.
_PATTERNS = (
    re.compile(r"\bfs[a-z]_[A-Za-z0-9_\-]+"),
    re.compile(r"(?<=/)(reset|invite|unsubscribe|password-reset|set-password)/[^/?\s\"]+"),
    re.compile(r"(?<=[?&])(token|key|secret|code|signature)=[^&\s\"]*", re.IGNORECASE),
)


def redact(text: str) -> str:
    text = _PATTERNS[0].sub(REDACTED, text)
    text = _PATTERNS[1].sub(lambda match: f"{match.group(1)}/{REDACTED}", text)
    return _PATTERNS[2].sub(lambda match: f"{match.group(1)}={REDACTED}", text)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):  # noqa: ANN001, ANN201 - gunicorn's signature
        atoms = super().atoms(resp, req, environ, request_time)
        # Every text atom: the request line, path, query, Referer and the {...}e / {...}i atoms.
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
