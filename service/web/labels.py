"""Words for the stored names (complaint_served -> "Complaint served"), in one place for every page."""

from __future__ import annotations

from functools import lru_cache

SPECIAL = {
    "fannie_mae": "Fannie Mae",
    "freddie_mac": "Freddie Mac",
    "fha": "FHA",
    "va": "VA",
    "usda": "USDA",
    "private": "Private investor",
    "portfolio": "Held in portfolio (the lender's own)",
    "primary_residence": "Primary residence",
    "judicial": "Judicial",
    "nonjudicial": "Non-judicial (power of sale)",
    "home_equity": "Home equity",
    "pre_foreclosure": "Pre-foreclosure",
    "post_sale": "Post-sale",
    "foreclosure_filed": "Foreclosure filed",
    "loss_mitigation": "Loss mitigation",
}
WORDS = {
    "mit": "mitigation",
    "loss": "loss",
    "hoa": "HOA",
    "cfpb": "CFPB",
    "respa": "RESPA",
    "pdf": "PDF",
    "sms": "SMS",
    "id": "ID",
    "url": "URL",
}


@lru_cache(maxsize=4096)  # a pure function of a name, called for most cells of most pages
def humanize(name: str | None) -> str:
    """'loss_mit_application_received' -> 'Loss mitigation application received'."""
    if not name:
        return "—"
    if name in SPECIAL:
        return SPECIAL[name]
    words = [WORDS.get(word, word) for word in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def choices(names) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(name, humanize(name)) for name in names]
