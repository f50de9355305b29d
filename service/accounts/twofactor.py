"""TOTP two-factor (RFC 6238, as authenticator apps do it) and recovery codes: pure functions, no Flask, no
database. The caller stores the secret, the last accepted time step and the recovery codes' digests."""

from __future__ import annotations

import hashlib
import re
import secrets
import time

import pyotp
import segno

ISSUER = "Forestall"
STEP_SECONDS = 30
# One step either side: a phone clock a little off, or a code typed as it changed, still counts.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# 10 characters of base32 = 50 bits each: too many to guess, so a plain SHA-256 is a safe digest.
RECOVERY_CODE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, base32, what authenticator apps expect


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def verify_code(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The time step the code belongs to when it is right and newer than `last_step`, else None.

    A code once accepted (its step, or any earlier one) is refused afterwards: no replay of an observed code."""
    digits = re.sub(r"\s+", "", code or "")
    if not re.fullmatch(r"\d{6}", digits):
        return None
    now = time.time() if now is None else now
    totp = pyotp.TOTP(secret)
    current = int(now // STEP_SECONDS)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.at(step * STEP_SECONDS), digits):
            if last_step is not None and step <= last_step:
                return None
            return step
    return None


def qr_svg(uri: str, label: str = "QR code to scan with an authenticator app") -> str:
    """The otpauth:// URI as an inline SVG element (drawn on the server: no script, no request elsewhere)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff", omitsize=False)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" focusable="false" ', 1)


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Codes like 'K7QX-M2PD-9F' : shown once, then only their digests are kept."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(RECOVERY_CODE_CHARS) for _ in range(10))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


def normalise_recovery_code(code: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (code or "").upper())


def recovery_code_digest(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len(normalise_recovery_code(code)) == 10


def otpauth_secret_for_display(secret: str) -> str:
    """The secret in groups of four, for typing into an app that cannot scan."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


__all__ = [
    "new_secret",
    "provisioning_uri",
    "verify_code",
    "qr_svg",
    "new_recovery_codes",
    "recovery_code_digest",
    "normalise_recovery_code",
    "looks_like_recovery_code",
    "otpauth_secret_for_display",
]
