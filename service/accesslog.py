"""gunicorn's access log without secrets in URLs: the token segment of /reset/<token>, /invite/<token> and
/calendar/<token>.ics is written as [redacted] (gunicorn.conf.py: logger_class)."""
from __future__ import annotations

import re

from gunicorn.glogging import Logger

SECRET_SEGMENTS = re.compile(r"(/(?:reset|invite|calendar)/)[^/?#\s]+?(\.ics)?(?=[/?#\s]|$)")


def redact(text: str | None) -> str | None:
    """'/reset/rst_abc?x=1' -> '/reset/[redacted]?x=1'; '/calendar/fsc_abc.ics' -> '/calendar/[redacted].ics'."""
    if not text:
        return text
    return SECRET_SEGMENTS.sub(lambda m: m.group(1) + "[redacted]" + (m.group(2) or ""), text)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):  # noqa: ANN001, ANN201 - gunicorn's signature
        atoms = super().atoms(resp, req, environ, request_time)
        # Every text atom: the request line, path, Referer, and the {...}e / {...}i environ and header atoms.
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
