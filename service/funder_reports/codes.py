"""The funders' codes, read once from the data files beside this module (each file cites its sources)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent


@lru_cache(maxsize=1)
def _hud_9902_file() -> dict[str, Any]:
    return yaml.safe_load((HERE / "hud_9902_lines.yaml").read_text(encoding="utf-8"))


def hud_9902() -> dict[str, Any]:
    return _hud_9902_file()["sections"]


def hud_9902_sources() -> list[str]:
    return list(_hud_9902_file()["sources"])


@lru_cache(maxsize=1)
def lsc_csr() -> dict[str, Any]:
    return yaml.safe_load((HERE / "lsc_csr_codes.yaml").read_text(encoding="utf-8"))


def session_purposes() -> dict[str, str]:
    """{"9f": "one_on_one", "8b": "group_education", ...}: the purpose lines a session may have."""
    purposes = {}
    for section in ("8", "9"):
        for line in hud_9902()[section]["lines"]:
            purposes[f"{section}{line}"] = hud_9902()[section]["session_type"]
    return purposes


def outcome_codes() -> tuple[str, ...]:
    return tuple(f"10{line}" for line in hud_9902()["10"]["lines"])


def demographic_values(field: str) -> tuple[str, ...]:
    """The values of a household field that sections 3-7 count (ethnicity, race, ami_band, ...)."""
    for section in hud_9902().values():
        if section.get("field") == field:
            return tuple(line["value"] for line in section["lines"].values())
    raise KeyError(field)


def lsc_problem_codes() -> tuple[str, ...]:
    return tuple(lsc_csr()["problem_codes"])


def lsc_closing_codes() -> tuple[str, ...]:
    return tuple(lsc_csr()["closing_codes"])
