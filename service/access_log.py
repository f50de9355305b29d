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


_FORMAT_KEYS = re.compile(r"%\(([^)]+)\)")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):  # noqa: ANN001, ANN201 - gunicorn's signature
        atoms = super().atoms(resp, req, environ, request_time)
        # Only the atoms the access log format prints (the request line, path, query, Referer, any {...}i
        # or {...}e it names) reach the log: those are kept, and searched, not the dozens of header and
        # environ atoms gunicorn makes for every request (an atom the format names but the request lacks
        # prints "-", as before).
        printed = {}
        for key in self._printed_keys():
            if key not in atoms:
                continue
            value = atoms[key]
            if isinstance(value, str):
                # The query string atom (q) comes without its "?": put it back so its parameters are found.
                value = redact("?" + value)[1:] if key == "q" else redact(value)
            printed[key] = value
        return printed

    def _printed_keys(self) -> tuple[str, ...]:
        fmt = self.cfg.access_log_format
        if getattr(self, "_printed_for", None) != fmt:
            # gunicorn looks {...} atoms up in lower case (its SafeAtoms); the others as written.
            keys = {key.lower() if key.startswith("{") else key for key in _FORMAT_KEYS.findall(fmt)}
            self._printed, self._printed_for = tuple(sorted(keys)), fmt
        return self._printed
