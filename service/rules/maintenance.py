"""Keeping the rules fresh: which items were last checked too long ago, and which source links fail.

stale_items is pure (today is a parameter); check_links does the network requests for
`forestall rules check-links`. The review process itself is described in service/rules/README.md."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

MAX_AGE_DAYS = 365  # an item checked longer ago than this is flagged for review


def _walk(raw: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(raw, dict):
        yield path or ".", raw
        for key, value in raw.items():
            yield from _walk(value, f"{path}.{key}" if path else str(key))
    elif isinstance(raw, list):
        for i, value in enumerate(raw):
            yield from _walk(value, f"{path}[{i}]")


def stale_items(raw: Any, today: dt.date, max_age_days: int = MAX_AGE_DAYS) -> list[dict[str, Any]]:
    """Every item of a rules file whose checked_on is more than max_age_days before today:
    [{path, checked_on, days_old}], oldest first."""
    found = []
    for path, item in _walk(raw):
        checked = item.get("checked_on")
        if not checked:
            continue
        checked_on = checked if isinstance(checked, dt.date) else dt.date.fromisoformat(str(checked))
        age = (today - checked_on).days
        if age > max_age_days:
            found.append({"path": path, "checked_on": checked_on.isoformat(), "days_old": age})
    return sorted(found, key=lambda f: (-f["days_old"], f["path"]))


def source_urls(raw: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(where, url) for every source_url in a rules file; where is "<prefix>:<path>"."""
    return [
        (f"{prefix}:{path}" if prefix else path, item["source_url"])
        for path, item in _walk(raw)
        if isinstance(item.get("source_url"), str)
    ]


@dataclass(frozen=True)
class LinkResult:
    url: str
    where: tuple[str, ...]  # the rule items that cite it
    outcome: str  # ok | failed | not reachable
    detail: str  # the HTTP status or the network error


def _check(url: str, timeout: float) -> tuple[str, str]:
    headers = {"User-Agent": "forestall-rules-check/1"}
    for method in ("HEAD", "GET"):  # some servers refuse HEAD: try GET before calling it failed
        request = urllib.request.Request(url, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) from reviewed rules
                return "ok", f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in (403, 405, 501):
                continue
            return "failed", f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return "not reachable", str(reason)
    return "failed", "no answer to HEAD or GET"


def check_links(items: Iterable[tuple[str, str]], timeout: float = 10.0, workers: int = 8) -> list[LinkResult]:
    """Request every distinct URL once (HEAD, then GET if HEAD is refused). A 4xx or 5xx answer is
    "failed"; no answer at all (offline, DNS, refused, timeout) is "not reachable", not a failure of
    the link."""
    where: dict[str, list[str]] = {}
    for place, url in items:
        where.setdefault(url, []).append(place)
    urls = sorted(where)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        outcomes = list(pool.map(lambda u: _check(u, timeout), urls))
    return [LinkResult(url, tuple(where[url]), outcome, detail) for url, (outcome, detail) in zip(urls, outcomes)]
