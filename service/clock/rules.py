"""Loading the reviewed rules (jurisdiction YAML files and federal.yaml) into frozen dataclasses
(service/clock/rule_types.py; their names are importable from here too).

Every file is validated against its JSON schema (Draft 2020-12) first; a malformed file raises
RulesError naming the file and the field path, e.g.
"service/rules/jurisdictions/IL.yaml: deficiency.filing_deadline.period: 'amount' is a required property".
The app calls load_rulebook() at start-up, so a bad file stops start-up.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml
from jsonschema import Draft202012Validator, FormatChecker

from service.clock.rule_types import (
    JURISDICTION_CODES,
    ComputationOfTime,
    Deficiency,
    DeficiencyBar,
    DeficiencyGeneral,
    FairValueLimit,
    FederalRule,
    FederalRules,
    FederalVariant,
    FirstNotice,
    ForeclosureProcess,
    Jurisdiction,
    Period,
    PreForeclosureNotice,
    Redemption,
    RedemptionPeriod,
    Rulebook,
    Source,
    TimedRule,
    TriggerPeriod,
    When,
)

__all__ = [
    "RulesError",
    "JURISDICTION_CODES",
    "RULES_DIR",
    "Source",
    "Period",
    "When",
    "ForeclosureProcess",
    "DeficiencyGeneral",
    "DeficiencyBar",
    "FairValueLimit",
    "TimedRule",
    "RedemptionPeriod",
    "Redemption",
    "PreForeclosureNotice",
    "Deficiency",
    "Jurisdiction",
    "FederalVariant",
    "FederalRule",
    "FederalRules",
    "Rulebook",
    "load_rulebook",
    "TriggerPeriod",
    "ComputationOfTime",
    "FirstNotice",
    "load_jurisdiction_file",
    "load_federal_file",
]

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
_REPO_ROOT = RULES_DIR.parent.parent


class RulesError(Exception):
    """A rules file is missing, unreadable or does not match its schema."""


# libyaml's parser (compiled into PyYAML's wheels) when present: the 52 rules files parse in about a tenth
# of the pure-Python parser's time (about 2 s of CPU on this machine, paid by every process that loads
# them, the report worker's first render included). The constructor and resolver stay PyYAML's own.
_SafeLoaderBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _RulesLoader(_SafeLoaderBase):  # type: ignore[valid-type,misc]
    """SafeLoader with YAML 1.2 scalars: `2026-11-23` stays a string (the schemas describe dates as
    strings) and only true/false are booleans, so the key `on:` (reviewed.on) is the string "on",
    not True as YAML 1.1 would have it."""


_RulesLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_RulesLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


# --- parsing ----------------------------------------------------------------------------------


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _source(d: Mapping[str, Any]) -> Source:
    return Source(d["citation"], d["source_url"], _date(d.get("checked_on")), d["confidence"], d.get("notes"))


def _opt_source(d: Mapping[str, Any]) -> Source | None:
    if not d.get("citation"):
        return None
    return Source(
        d["citation"],
        d.get("source_url", ""),
        _date(d.get("checked_on")),
        d.get("confidence", "unverified"),
        d.get("notes"),
    )


def _period(d: Mapping[str, Any] | None) -> Period | None:
    return Period(int(d["amount"]), d["unit"]) if d else None


def _tuple(v):
    return tuple(v) if v is not None else None


def _decimal(v):
    return Decimal(str(v)) if v is not None else None


def _when(d: Mapping[str, Any] | None) -> When:
    d = d or {}
    fraction = d.get("claimed_below_fraction_of_original")
    return When(
        d.get("process"),
        _tuple(d.get("purpose")),
        _tuple(d.get("occupancy")),
        d.get("max_dwelling_units"),
        _decimal(d.get("max_acreage")),
        _decimal(d.get("min_acreage")),
        _tuple(d.get("lien_position")),
        d.get("homestead_claimed"),
        d.get("agricultural_use"),
        _date(d.get("executed_before")),
        _date(d.get("executed_on_or_after")),
        d.get("deficiency_waived_by_lender"),
        Fraction(fraction) if fraction else None,
        d.get("deficiency_recoverable"),
        d.get("event_recorded"),
    )


def _timed(d: Mapping[str, Any]) -> TimedRule:
    instead = d.get("runs_from_instead") or {}
    return TimedRule(
        d["status"],
        d["summary"],
        _period(d.get("period")),
        d.get("from"),
        bool(d.get("roll_forward", False)),
        _source(d),
        _when(d["when"]) if "when" in d else None,
        instead.get("event"),
        instead.get("expected_after"),
    )


def _trigger_periods(items) -> tuple[TriggerPeriod, ...]:
    return tuple(TriggerPeriod(_period(t["period"]), t["from"]) for t in items or ())


def _window(p: Mapping[str, Any]) -> RedemptionPeriod:
    return RedemptionPeriod(
        p["id"],
        _period(p.get("period")),
        p.get("from"),
        _when(p["when"]),
        bool(p["roll_forward"]),
        p["summary"],
        _source(p),
        _trigger_periods(p.get("later_of")),
        _trigger_periods(p.get("earlier_of")),
        _period(p.get("before_sale")),
    )


def _windows(rd: Mapping[str, Any]) -> Redemption:
    return Redemption(
        rd["status"],
        rd.get("summary"),
        tuple(_window(p) for p in rd["periods"]),
        _opt_source(rd),
        tuple(_window(p) for p in rd.get("pre_sale") or ()),
    )


def _jurisdiction(data: Mapping[str, Any], path: str) -> Jurisdiction:
    fp = data["foreclosure_process"]
    de = data["deficiency"]
    rd = data["redemption"]
    return Jurisdiction(
        code=data["code"],
        name=data["name"],
        foreclosure_process=ForeclosureProcess(tuple(fp["available"]), fp["usual"], fp.get("summary"), _source(fp)),
        deficiency=Deficiency(
            general=DeficiencyGeneral(de["general"]["status"], de["general"]["summary"], _source(de["general"])),
            bars=tuple(
                DeficiencyBar(b["id"], b["effect"], _when(b["when"]), b["summary"], _source(b)) for b in de["bars"]
            ),
            fair_value_limit=FairValueLimit(
                de["fair_value_limit"]["status"],
                de["fair_value_limit"]["summary"],
                _when(de["fair_value_limit"]["when"]) if "when" in de["fair_value_limit"] else None,
                _source(de["fair_value_limit"]),
            ),
            filing_deadline=_timed(de["filing_deadline"]),
        ),
        redemption=_windows(rd),
        reinstatement=_windows(data["reinstatement"]) if "reinstatement" in data else None,
        fair_value_action=_timed(data["fair_value_action"]) if "fair_value_action" in data else None,
        computation_of_time=(
            ComputationOfTime(
                data["computation_of_time"]["status"],
                data["computation_of_time"]["summary"],
                _source(data["computation_of_time"]),
                data["computation_of_time"].get("saturday_rolls"),
            )
            if "computation_of_time" in data
            else ComputationOfTime("unknown", "not recorded", None)
        ),
        first_notice=(
            FirstNotice(
                tuple(data["first_notice"]["events"]), data["first_notice"]["summary"], _source(data["first_notice"])
            )
            if "first_notice" in data
            else None
        ),
        answer_period=_timed(data["answer_period"]),
        pre_foreclosure_notices=tuple(
            PreForeclosureNotice(
                n["id"],
                n["name"],
                n["from"],
                _period(n["period"]),
                n["before"],
                _when(n["when"]),
                n["summary"],
                _source(n),
            )
            for n in data["pre_foreclosure_notices"]
        ),
        reviewed=MappingProxyType(dict(data["reviewed"])) if data.get("reviewed") else None,
        path=path,
        raw=MappingProxyType(dict(data)),
    )


def _federal(data: Mapping[str, Any], path: str) -> FederalRules:
    rules = {}
    for rule_id, r in data["rules"].items():
        window = r.get("sale_window")
        variants = {
            name: FederalVariant(
                name,
                _period(v["period"]),
                bool(v["extendable"]),
                bool(v.get("before_sale", False)),
                v["citation"],
                v["summary"],
            )
            for name, v in (r.get("variants") or {}).items()
        }
        rules[rule_id] = FederalRule(
            id=rule_id,
            kind=r["kind"],
            title=r["title"],
            binds=r["binds"],
            from_events=tuple(r["from"]),
            period=_period(r.get("period")),
            counting=r.get("counting"),
            sale_window=(window["comparison"], int(window["days"])) if window else None,
            extension=_period(r.get("extension")),
            extension_citation=r.get("extension_citation"),
            variants=MappingProxyType(variants),
            summary=r["summary"],
            source=_source(r),
        )
    return FederalRules(MappingProxyType(rules), MappingProxyType(dict(data["reviewed"])), path)


# --- validation -------------------------------------------------------------------------------


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(_REPO_ROOT))
    except ValueError:
        return str(path)


def _field_path(error) -> str:
    parts = []
    for p in error.absolute_path:
        parts.append(f"[{p}]" if isinstance(p, int) else ("." if parts else "") + str(p))
    return "".join(parts) or "(top level)"


@lru_cache(maxsize=8)
def _validator(schema_path: str) -> Draft202012Validator:
    with open(schema_path, encoding="utf-8") as fh:
        schema = json.load(fh)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _read_yaml(path: Path) -> Any:
    shown = _display(path)
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_RulesLoader)  # noqa: S506 - a SafeLoader subclass
    except OSError as exc:
        raise RulesError(f"{shown}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise RulesError(f"{shown}: not valid YAML: {exc}") from exc


def _validate(data: Any, path: Path, schema_path: Path) -> None:
    # Report the most specific error: the deepest path first; "Unevaluated properties" errors are
    # only echoes of a failure inside an allOf branch, so they come last.
    errors = sorted(
        _validator(str(schema_path)).iter_errors(data),
        key=lambda e: (
            e.validator == "unevaluatedProperties",
            -len(e.absolute_path),
            list(map(str, e.absolute_path)),
            e.message,
        ),
    )
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        raise RulesError(f"{_display(path)}: {_field_path(first)}: {first.message}{more}")


def _check_dates(data: Any, path: Path, prefix: str = "") -> None:
    # The schema's pattern accepts 2026-02-30; make sure every checked_on is a real date.
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{prefix}.{key}" if prefix else str(key)
            if key in ("checked_on", "on") and isinstance(value, str):
                try:
                    date.fromisoformat(value)
                except ValueError:
                    raise RulesError(f"{_display(path)}: {where}: {value!r} is not a valid date") from None
            else:
                _check_dates(value, path, where)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _check_dates(value, path, f"{prefix}[{i}]")


def load_jurisdiction_file(path: str | Path, schema_path: str | Path | None = None) -> Jurisdiction:
    path = Path(path)
    schema_path = Path(schema_path) if schema_path else RULES_DIR / "schema.json"
    data = _read_yaml(path)
    _validate(data, path, schema_path)
    _check_dates(data, path)
    expected = path.stem.upper()
    if data["code"] != expected:
        raise RulesError(f"{_display(path)}: code: {data['code']!r} does not match the file name ({expected})")
    if data["code"] not in JURISDICTION_CODES:
        raise RulesError(f"{_display(path)}: code: {data['code']!r} is not one of the 50 states or DC")
    fp = data["foreclosure_process"]
    if fp["usual"] not in fp["available"]:
        raise RulesError(f"{_display(path)}: foreclosure_process.usual: {fp['usual']!r} is not in available")
    return _jurisdiction(data, _display(path))


def load_federal_file(path: str | Path, schema_path: str | Path | None = None) -> FederalRules:
    path = Path(path)
    schema_path = Path(schema_path) if schema_path else path.with_name("federal.schema.json")
    if not schema_path.exists():
        schema_path = RULES_DIR / "federal.schema.json"
    data = _read_yaml(path)
    _validate(data, path, schema_path)
    _check_dates(data, path)
    return _federal(data, _display(path))


def load_rulebook(directory: str | Path | None = None, require_all: bool = True) -> Rulebook:
    """Load and validate `directory`/jurisdictions/*.yaml and `directory`/federal.yaml (default:
    service/rules). require_all: every one of the 50 states and DC must be present. Cached per
    (resolved directory, require_all); call load_rulebook.cache_clear() after editing files."""
    resolved = str(Path(directory).resolve()) if directory else str(RULES_DIR)
    return _load_rulebook_cached(resolved, bool(require_all))


@lru_cache(maxsize=16)
def _load_rulebook_cached(directory: str, require_all: bool) -> Rulebook:
    root = Path(directory)
    schema_path = root / "schema.json"
    if not schema_path.exists():
        schema_path = RULES_DIR / "schema.json"
    jurisdictions = {}
    jdir = root / "jurisdictions"
    for path in sorted(jdir.glob("*.yaml")) if jdir.is_dir() else []:
        j = load_jurisdiction_file(path, schema_path)
        jurisdictions[j.code] = j
    federal_path = root / "federal.yaml"
    if not federal_path.exists():
        raise RulesError(f"{_display(federal_path)}: missing (the federal rules are required)")
    federal = load_federal_file(federal_path)
    if require_all:
        missing = sorted(set(JURISDICTION_CODES) - set(jurisdictions))
        if missing:
            raise RulesError(f"{_display(jdir)}: missing jurisdiction files: {', '.join(missing)}")
    return Rulebook(MappingProxyType(jurisdictions), federal, directory)


load_rulebook.cache_clear = _load_rulebook_cached.cache_clear  # type: ignore[attr-defined]
