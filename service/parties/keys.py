"""What a party row stores besides what was typed: the matcher's keys and a language code. Pure functions
(the migration that backfills parties uses them too)."""

from __future__ import annotations

from service.conflicts.matching import fold, name_key, normalise_email, normalise_phone

LANGUAGE_WORDS = {"en": "en", "eng": "en", "english": "en", "es": "es", "spa": "es", "spanish": "es", "espanol": "es"}


def party_keys(name: str, is_organisation: bool, email: str | None, phone: str | None) -> dict[str, str | None]:
    return {
        "name_key": name_key(name, is_organisation),
        "email_key": normalise_email(email) or None,
        "phone_key": normalise_phone(phone) or None,
    }


def language_code(value: str | None) -> str | None:
    """A case's free-text preferred language as a party's code: "Spanish", "es-US", "Español" -> "es"."""
    folded = fold(value)
    if not folded:
        return None
    return (
        LANGUAGE_WORDS.get(folded)
        or LANGUAGE_WORDS.get(folded.split()[0])
        or (folded[:2] if folded[:2] in ("en", "es") and len(folded.split()[0]) == 2 else None)
    )
