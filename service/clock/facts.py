"""What the engine knows about a case: its facts, its dated events, and how rule conditions
(`when` blocks) are tested against them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Sequence

from .kinds import EVENT_TYPES
from .rules import Jurisdiction, When

_TYPE_ORDER = {t: i for i, t in enumerate(EVENT_TYPES)}

__all__ = [
    "CaseFacts",
    "Event",
    "EventIndex",
    "effective_process",
    "match_when",
    "describe_when",
    "to_decimal",
    "to_date",
    "FACT_LABELS",
    "describe_facts",
]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def to_decimal(value: Any) -> Decimal | None:
    """Money and measures arrive as strings ("600000.00"); never go through float."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        value = repr(value)  # tolerate a float from a YAML file without binary noise
    try:
        return Decimal(str(value).replace(",", "").replace("$", "").strip())
    except InvalidOperation:
        raise ValueError(f"not a decimal amount: {value!r}") from None


def to_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@dataclass(frozen=True)
class CaseFacts:
    """Everything optional except state. process None -> the jurisdiction's usual process."""

    state: str
    process: str | None = None
    occupancy: str | None = None
    dwelling_units: int | None = None
    acreage: Decimal | None = None
    purpose: str | None = None
    lien_position: int | None = None
    investor: str | None = None
    unpaid_principal: Decimal | None = None
    accrued_interest: Decimal | None = None
    fees_and_costs: Decimal | None = None
    credits: Decimal | None = None
    # Facts some rules select on (all optional; None = unknown)
    homestead_claimed: bool | None = None
    agricultural_use: bool | None = None
    original_principal: Decimal | None = None
    amount_claimed_at_sale: Decimal | None = None  # the amount claimed in the notice of sale
    executed_on: date | None = None  # the day the mortgage was executed
    deficiency_waived_by_lender: bool | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "CaseFacts":
        """Build from plain data (YAML examples, JSON); money strings become Decimal."""
        d = dict(data)
        for key in (
            "acreage",
            "unpaid_principal",
            "accrued_interest",
            "fees_and_costs",
            "credits",
            "original_principal",
            "amount_claimed_at_sale",
        ):
            if key in d:
                d[key] = to_decimal(d[key])
        if "executed_on" in d:
            d["executed_on"] = to_date(d["executed_on"])
        for key in ("dwelling_units", "lien_position"):
            if d.get(key) is not None:
                d[key] = int(d[key])
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown case facts: {sorted(unknown)}")
        return cls(**d)


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    occurred_on: date
    details: Mapping[str, Any] = field(default_factory=dict)

    def detail(self, key: str, default: Any = None) -> Any:
        return (self.details or _EMPTY).get(key, default)

    def detail_date(self, key: str) -> date | None:
        return to_date(self.detail(key))


class EventIndex:
    """Events sorted deterministically (date, contract order of types, id) and grouped by type."""

    def __init__(self, events: Iterable[Event]):
        # same-day events in the natural order of the contract's list (sale_scheduled before sale_held)
        self.all: tuple[Event, ...] = tuple(
            sorted(events, key=lambda e: (e.occurred_on, _TYPE_ORDER.get(e.type, len(_TYPE_ORDER)), e.type, str(e.id)))
        )
        grouped: dict[str, list[Event]] = {}
        for e in self.all:
            grouped.setdefault(e.type, []).append(e)
        self._by_type = {k: tuple(v) for k, v in grouped.items()}
        self.by_id = {str(e.id): e for e in self.all}

    def of(self, *types: str) -> Sequence[Event]:
        if len(types) == 1:
            return self._by_type.get(types[0], ())
        return tuple(e for e in self.all if e.type in types)

    def latest(self, type_: str) -> Event | None:
        items = self._by_type.get(type_)
        return items[-1] if items else None

    def first_on_or_after(self, type_: str, day: date) -> Event | None:
        for e in self._by_type.get(type_, ()):
            if e.occurred_on >= day:
                return e
        return None


FACT_LABELS = {
    "purpose": "loan purpose",
    "occupancy": "occupancy",
    "max_dwelling_units": "number of dwelling units",
    "max_acreage": "acreage",
    "min_acreage": "acreage",
    "lien_position": "lien position",
    "homestead_claimed": "whether a homestead exemption was claimed",
    "agricultural_use": "whether the property is in agricultural use",
    "executed_on": "the date the mortgage was executed",
    "deficiency_waived_by_lender": "whether the lender waived a deficiency",
    "claimed_below_fraction_of_original": "the original principal and the amount claimed in the notice of sale",
    "deficiency_recoverable": "whether a deficiency judgment may be had",
}


def effective_process(facts: CaseFacts, jurisdiction: Jurisdiction | None) -> str | None:
    if facts.process:
        return facts.process
    return jurisdiction.foreclosure_process.usual if jurisdiction else None


def match_when(
    when: When | None,
    facts: CaseFacts,
    process: str | None,
    deficiency_recoverable: bool | None = None,
    recorded: frozenset[str] | None = None,
) -> tuple[bool | None, tuple[str, ...]]:
    """(True, ()) when every condition holds; (False, ()) when a known fact fails one;
    (None, missing_fact_labels) when none fails but some needed facts are unknown.
    deficiency_recoverable: what the deficiency rules decided (None: unknown or conditional).
    recorded: the event types recorded on the case (for `event_recorded`; an event not recorded has not
    happened, which is a known fact)."""
    if when is None:
        return True, ()
    missing: list[str] = []

    results = []
    if when.process is not None:
        if process is None:
            missing.append("foreclosure process")
        else:
            results.append(process == when.process)
    if when.purpose is not None:
        if facts.purpose is None:
            missing.append(FACT_LABELS["purpose"])
        else:
            results.append(facts.purpose in when.purpose)
    if when.occupancy is not None:
        if facts.occupancy is None:
            missing.append(FACT_LABELS["occupancy"])
        else:
            results.append(facts.occupancy in when.occupancy)
    if when.max_dwelling_units is not None:
        if facts.dwelling_units is None:
            missing.append(FACT_LABELS["max_dwelling_units"])
        else:
            results.append(facts.dwelling_units <= when.max_dwelling_units)
    if when.max_acreage is not None or when.min_acreage is not None:
        if facts.acreage is None:
            missing.append("acreage")
        else:
            acreage = Decimal(facts.acreage)
            if when.max_acreage is not None:
                results.append(acreage <= when.max_acreage)
            if when.min_acreage is not None:
                results.append(acreage >= when.min_acreage)
    if when.lien_position is not None:
        if facts.lien_position is None:
            missing.append(FACT_LABELS["lien_position"])
        else:
            results.append(facts.lien_position in when.lien_position)
    for name in ("homestead_claimed", "agricultural_use", "deficiency_waived_by_lender"):
        wanted = getattr(when, name)
        if wanted is None:
            continue
        known = getattr(facts, name)
        if known is None:
            missing.append(FACT_LABELS[name])
        else:
            results.append(known == wanted)
    if when.executed_before is not None or when.executed_on_or_after is not None:
        if facts.executed_on is None:
            missing.append(FACT_LABELS["executed_on"])
        else:
            if when.executed_before is not None:
                results.append(facts.executed_on < when.executed_before)
            if when.executed_on_or_after is not None:
                results.append(facts.executed_on >= when.executed_on_or_after)
    if when.claimed_below_fraction_of_original is not None:
        if facts.original_principal is None or facts.amount_claimed_at_sale is None:
            missing.append(FACT_LABELS["claimed_below_fraction_of_original"])
        else:
            fraction = when.claimed_below_fraction_of_original
            # exact: claimed < original * n / d  <=>  claimed * d < original * n
            results.append(
                Decimal(facts.amount_claimed_at_sale) * fraction.denominator
                < Decimal(facts.original_principal) * fraction.numerator
            )
    if when.event_recorded is not None:
        results.append(when.event_recorded in (recorded or frozenset()))
    if when.deficiency_recoverable is not None:
        if deficiency_recoverable is None:
            missing.append(FACT_LABELS["deficiency_recoverable"])
        else:
            results.append(deficiency_recoverable == when.deficiency_recoverable)
    if not all(results):
        return False, ()
    if missing:
        return None, tuple(dict.fromkeys(missing))
    return True, ()


def describe_when(when: When | None) -> str:
    """The conditions of a `when` block in words, for explanations ("foreclosure process nonjudicial,
    at most 2 dwelling units"); "" when there are none."""
    if when is None:
        return ""

    def words(values) -> str:
        return " or ".join(str(v).replace("_", " ") for v in values)

    parts = []
    if when.process is not None:
        parts.append(f"foreclosure process {when.process}")
    if when.purpose is not None:
        parts.append(f"loan purpose {words(when.purpose)}")
    if when.occupancy is not None:
        parts.append(f"occupancy {words(when.occupancy)}")
    if when.max_dwelling_units is not None:
        parts.append(f"at most {when.max_dwelling_units} dwelling unit{'s' if when.max_dwelling_units != 1 else ''}")
    if when.max_acreage is not None:
        parts.append(f"at most {when.max_acreage} acres")
    if when.min_acreage is not None:
        parts.append(f"at least {when.min_acreage} acres")
    if when.lien_position is not None:
        parts.append(f"lien position {words(when.lien_position)}")
    for name, yes, no in (
        ("homestead_claimed", "homestead exemption claimed", "no homestead exemption claimed"),
        ("agricultural_use", "agricultural use", "not in agricultural use"),
        ("deficiency_waived_by_lender", "deficiency waived by the lender", "deficiency not waived by the lender"),
        ("deficiency_recoverable", "a deficiency judgment may be had", "no deficiency judgment may be had"),
    ):
        value = getattr(when, name)
        if value is not None:
            parts.append(yes if value else no)
    if when.event_recorded is not None:
        parts.append(f"{when.event_recorded.replace('_', ' ')} recorded")
    if when.executed_before is not None:
        parts.append(f"mortgage executed before {when.executed_before.isoformat()}")
    if when.executed_on_or_after is not None:
        parts.append(f"mortgage executed on or after {when.executed_on_or_after.isoformat()}")
    if when.claimed_below_fraction_of_original is not None:
        parts.append(
            f"amount claimed in the notice of sale less than {when.claimed_below_fraction_of_original} "
            f"of the original principal"
        )
    return ", ".join(parts)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def describe_facts(when: When | None, facts: CaseFacts, process: str | None) -> str:
    """The known facts a `when` block tested, in words, for "period chosen because ..." explanations:
    "the acreage is 0.300, the occupancy is primary residence"; "" when it tests none."""
    if when is None:
        return ""
    parts = []
    if when.process is not None and process is not None:
        parts.append(f"the foreclosure process is {process}")
    if when.purpose is not None and facts.purpose is not None:
        parts.append(f"the loan purpose is {facts.purpose.replace('_', ' ')}")
    if when.occupancy is not None and facts.occupancy is not None:
        parts.append(f"the occupancy is {facts.occupancy.replace('_', ' ')}")
    if when.max_dwelling_units is not None and facts.dwelling_units is not None:
        parts.append(f"the property has {facts.dwelling_units} dwelling unit{'s' if facts.dwelling_units != 1 else ''}")
    if (when.max_acreage is not None or when.min_acreage is not None) and facts.acreage is not None:
        parts.append(f"the acreage is {facts.acreage}")
    if when.lien_position is not None and facts.lien_position is not None:
        parts.append(f"the lien position is {facts.lien_position}")
    if when.homestead_claimed is not None and facts.homestead_claimed is not None:
        parts.append(f"homestead exemption claimed: {_yes_no(facts.homestead_claimed)}")
    if when.agricultural_use is not None and facts.agricultural_use is not None:
        parts.append(f"agricultural use: {_yes_no(facts.agricultural_use)}")
    if when.deficiency_waived_by_lender is not None and facts.deficiency_waived_by_lender is not None:
        parts.append(f"deficiency waived by the lender: {_yes_no(facts.deficiency_waived_by_lender)}")
    if (when.executed_before is not None or when.executed_on_or_after is not None) and facts.executed_on is not None:
        parts.append(f"the mortgage was executed on {facts.executed_on.isoformat()}")
    if (
        when.claimed_below_fraction_of_original is not None
        and facts.original_principal is not None
        and facts.amount_claimed_at_sale is not None
    ):
        parts.append(
            f"the amount claimed in the notice of sale is {facts.amount_claimed_at_sale} of an original "
            f"principal of {facts.original_principal}"
        )
    return ", ".join(parts)
