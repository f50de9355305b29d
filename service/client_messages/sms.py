"""SMS providers. SMS_URL picks one: `twilio://ACCOUNT_SID:AUTH_TOKEN@HOST?from=+15555550100` (HOST:
api.twilio.com in production; a loopback host is spoken to over plain HTTP, for tests), unset: a file
outbox (one JSON file per message under var/sms-outbox/)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from service.config import Settings

TIMEOUT = 15  # seconds; a claim batch of 5 stays inside the 2-minute lease
CLOCK_SKEW = dt.timedelta(minutes=2)  # between our clock and the provider's, when matching a message's time
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class PermanentSmsError(Exception):
    """The provider refused this message for good (a 4xx other than 429): retrying will not help."""


class TransientSmsError(Exception):
    """The provider is down, slow or busy (connection errors, 429, 5xx): try again later."""


@dataclass(frozen=True)
class SmsConfig:
    kind: str  # "twilio" or "file"
    account_sid: str = ""
    auth_token: str = ""
    base_url: str = ""
    sender: str = ""


def parse_sms_url(url: str | None) -> SmsConfig:
    if not url:
        return SmsConfig("file")
    parts = urlsplit(url)
    if parts.scheme != "twilio":
        raise ValueError(f"SMS_URL scheme {parts.scheme!r} is not twilio://")
    host = parts.hostname or "api.twilio.com"
    scheme = "http" if host in LOOPBACK else "https"
    netloc = f"[{host}]" if ":" in host else host
    base = f"{scheme}://{netloc}{f':{parts.port}' if parts.port else ''}"
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return SmsConfig(
        "twilio", unquote(parts.username or ""), unquote(parts.password or ""), base, options.get("from", "")
    )


def auth_token(settings: Settings) -> str:
    """The key of the webhooks' signatures (empty without a provider: every webhook is refused)."""
    config = parse_sms_url(settings.sms_url)
    return config.auth_token if config.kind == "twilio" else ""


class SmsProvider(Protocol):
    def send(self, to: str, body: str, reference: str, status_callback: str) -> str:
        """Send one SMS; answer the provider's id of the message."""
        ...

    def find_sent(self, to: str, body: str, reference: str, since: dt.datetime) -> str | None:
        """The provider's id of this message if it already took it (created since `since`), else None."""
        ...


class TwilioProvider:
    """Twilio's Messages API: POST {base}/2010-04-01/Accounts/{sid}/Messages.json, basic auth."""

    def __init__(self, config: SmsConfig):
        self.config = config

    def _messages_url(self) -> str:
        return f"{self.config.base_url}/2010-04-01/Accounts/{self.config.account_sid}/Messages.json"

    def _call(self, url: str, data: bytes | None = None) -> dict:
        credentials = base64.b64encode(f"{self.config.account_sid}:{self.config.auth_token}".encode()).decode()
        headers = {"Authorization": f"Basic {credentials}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - a configured URL
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            text = error.read()[:500].decode("utf-8", "replace")
            if error.code == 429 or error.code >= 500:
                raise TransientSmsError(f"HTTP {error.code}: {text}") from error
            raise PermanentSmsError(f"HTTP {error.code}: {text}") from error
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise TransientSmsError(f"{type(error).__name__}: {error}") from error

    def send(self, to: str, body: str, reference: str, status_callback: str) -> str:
        data = urlencode({"To": to, "From": self.config.sender, "Body": body, "StatusCallback": status_callback})
        answer = self._call(self._messages_url(), data.encode())
        sid = answer.get("sid")
        if not sid:
            raise TransientSmsError(f"no message sid in the answer: {answer!r}"[:500])
        return str(sid)

    def find_sent(self, to: str, body: str, reference: str, since: dt.datetime) -> str | None:
        """Twilio takes no idempotency key: its message list (newest first), to this number from ours, is
        searched for the same text created since the earlier attempt. Any failure to ask is transient: the
        message waits rather than risk going out twice."""
        query = urlencode({"To": to, "From": self.config.sender, "PageSize": 50})
        answer = self._call(f"{self._messages_url()}?{query}")
        for message in answer.get("messages") or []:
            try:
                created = parsedate_to_datetime(message.get("date_created") or "")
            except (TypeError, ValueError):
                continue
            if message.get("body") == body and created >= since - CLOCK_SKEW and message.get("sid"):
                return str(message["sid"])
        return None


class FileProvider:
    """No provider configured: each message is a JSON file named after the message (a re-send replaces it)."""

    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, to: str, body: str, reference: str, status_callback: str) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9._-]", "_", reference)
        temporary = self.directory / f".{name}.tmp"
        temporary.write_text(
            json.dumps({"to": to, "body": body, "reference": reference}, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        temporary.replace(self.directory / f"{name}.json")
        return f"file-{name}"

    def find_sent(self, to: str, body: str, reference: str, since: dt.datetime) -> str | None:
        name = re.sub(r"[^A-Za-z0-9._-]", "_", reference)
        return f"file-{name}" if (self.directory / f"{name}.json").exists() else None


def provider(settings: Settings) -> SmsProvider:
    config = parse_sms_url(settings.sms_url)
    if config.kind == "twilio":
        return TwilioProvider(config)
    return FileProvider(settings.sms_outbox_dir)
