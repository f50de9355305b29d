"""The reviewed rules as frozen dataclasses: what service/clock/rules.py loads the jurisdiction files and
federal.yaml into, and what the engine reads. No loading here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Mapping

JURISDICTION_CODES: Mapping[str, str] = MappingProxyType(
    {
        "AL": "Alabama",
        "AK": "Alaska",
        "AZ": "Arizona",
        "AR": "Arkansas",
        "CA": "California",
        "CO": "Colorado",
        "CT": "Connecticut",
        "DE": "Delaware",
        "DC": "District of Columbia",
        "FL": "Florida",
        "GA": "Georgia",
        "HI": "Hawaii",
        "ID": "Idaho",
        "IL": "Illinois",
        "IN": "Indiana",
        "IA": "Iowa",
        "KS": "Kansas",
        "KY": "Kentucky",
        "LA": "Louisiana",
        "ME": "Maine",
        "MD": "Maryland",
        "MA": "Massachusetts",
        "MI": "Michigan",
        "MN": "Minnesota",
        "MS": "Mississippi",
        "MO": "Missouri",
        "MT": "Montana",
        "NE": "Nebraska",
        "NV": "Nevada",
        "NH": "New Hampshire",
        "NJ": "New Jersey",
        "NM": "New Mexico",
        "NY": "New York",
        "NC": "North Carolina",
        "ND": "North Dakota",
        "OH": "Ohio",
        "OK": "Oklahoma",
        "OR": "Oregon",
        "PA": "Pennsylvania",
        "RI": "Rhode Island",
        "SC": "South Carolina",
        "SD": "South Dakota",
        "TN": "Tennessee",
        "TX": "Texas",
        "UT": "Utah",
        "VT": "Vermont",
        "VA": "Virginia",
        "WA": "Washington",
        "WV": "West Virginia",
        "WI": "Wisconsin",
        "WY": "Wyoming",
    }
)


# --- dataclasses ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    citation: str
    source_url: str
    checked_on: date | None
    confidence: str
    notes: str | None = None


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str


@dataclass(frozen=True)
class When:
    """Facts that must all hold; None = not tested."""

    process: str | None = None
    purpose: tuple[str, ...] | None = None
    occupancy: tuple[str, ...] | None = None
    max_dwelling_units: int | None = None
    max_acreage: Decimal | None = None
    min_acreage: Decimal | None = None
    lien_position: tuple[int, ...] | None = None
    homestead_claimed: bool | None = None
    agricultural_use: bool | None = None
    executed_before: date | None = None  # the mortgage was executed before this day
    executed_on_or_after: date | None = None  # ... on or after this day
    deficiency_waived_by_lender: bool | None = None
    # amount claimed in the notice of sale < this fraction of the original principal (e.g. "2/3")
    claimed_below_fraction_of_original: Fraction | None = None
    # whether a deficiency judgment may be had (from the deficiency rules: yes -> true, no -> false)
    deficiency_recoverable: bool | None = None
    event_recorded: str | None = None  # an event of this type is recorded on the case


@dataclass(frozen=True)
class ForeclosureProcess:
    available: tuple[str, ...]
    usual: str
    summary: str | None
    source: Source


@dataclass(frozen=True)
class DeficiencyGeneral:
    status: str  # allowed | barred | unknown
    summary: str
    source: Source


@dataclass(frozen=True)
class DeficiencyBar:
    id: str
    effect: str  # bar | conditional
    when: When
    summary: str
    source: Source


@dataclass(frozen=True)
class FairValueLimit:
    status: str  # applies | does_not_apply | unknown
    summary: str
    when: When | None
    source: Source


@dataclass(frozen=True)
class TimedRule:
    """A period from a trigger event: the answer period or the deficiency filing deadline."""

    status: str  # known | not_applicable | unknown
    summary: str
    period: Period | None
    from_event: str | None
    roll_forward: bool
    source: Source
    when: When | None = None  # None: applies to every case; else only when these facts hold
    # The period runs from this event instead when it is recorded on or after the trigger; while
    # `instead_expected_after` is recorded and it is not yet, the date is to be verified.
    instead_from: str | None = None
    instead_expected_after: str | None = None


@dataclass(frozen=True)
class TriggerPeriod:
    period: Period
    from_event: str


@dataclass(frozen=True)
class RedemptionPeriod:
    """A window (redemption or reinstatement): it ends `period` after `from_event`, or after the later
    (`later_of`) or the earlier (`earlier_of`) of several triggers; `before_sale` closes it that long
    before the scheduled sale (the earlier end applies)."""

    id: str
    period: Period | None
    from_event: str | None
    when: When
    roll_forward: bool
    summary: str
    source: Source
    later_of: tuple[TriggerPeriod, ...] = ()
    earlier_of: tuple[TriggerPeriod, ...] = ()
    before_sale: Period | None = None

    @property
    def triggers(self) -> tuple[TriggerPeriod, ...]:
        if self.later_of:
            return self.later_of
        if self.earlier_of:
            return self.earlier_of
        if self.period is not None and self.from_event:
            return (TriggerPeriod(self.period, self.from_event),)
        return ()


@dataclass(frozen=True)
class Redemption:
    status: str  # has_period | none | unknown
    summary: str | None
    periods: tuple[RedemptionPeriod, ...]
    source: Source | None
    pre_sale: tuple[RedemptionPeriod, ...] = ()


@dataclass(frozen=True)
class ComputationOfTime:
    status: str  # rolls | does_not_roll | unknown
    summary: str
    source: Source | None
    saturday_rolls: bool | None = None  # None: not known whether a Saturday end is carried forward


@dataclass(frozen=True)
class FirstNotice:
    events: tuple[str, ...]
    summary: str
    source: Source


@dataclass(frozen=True)
class PreForeclosureNotice:
    id: str
    name: str
    from_event: str
    period: Period
    before: str
    when: When
    summary: str
    source: Source


@dataclass(frozen=True)
class Deficiency:
    general: DeficiencyGeneral
    bars: tuple[DeficiencyBar, ...]
    fair_value_limit: FairValueLimit
    filing_deadline: TimedRule


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    foreclosure_process: ForeclosureProcess
    deficiency: Deficiency
    redemption: Redemption
    answer_period: TimedRule
    pre_foreclosure_notices: tuple[PreForeclosureNotice, ...]
    reviewed: Mapping[str, Any] | None = None
    reinstatement: Redemption | None = None  # None: not surveyed
    fair_value_action: TimedRule | None = None
    computation_of_time: ComputationOfTime = ComputationOfTime("unknown", "not recorded", None)
    first_notice: FirstNotice | None = None
    path: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class FederalVariant:
    name: str
    period: Period
    extendable: bool
    before_sale: bool
    citation: str
    summary: str


@dataclass(frozen=True)
class FederalRule:
    id: str
    kind: str
    title: str
    binds: str
    from_events: tuple[str, ...]
    period: Period | None
    counting: str | None
    sale_window: tuple[str, int] | None  # ("at_least" | "more_than", days)
    extension: Period | None
    extension_citation: str | None
    variants: Mapping[str, FederalVariant]
    summary: str
    source: Source

    @property
    def citation(self) -> str:
        return self.source.citation


@dataclass(frozen=True)
class FederalRules:
    rules: Mapping[str, FederalRule]
    reviewed: Mapping[str, Any]
    path: str | None = None

    def __getitem__(self, rule_id: str) -> FederalRule:
        return self.rules[rule_id]


@dataclass(frozen=True)
class Rulebook:
    jurisdictions: Mapping[str, Jurisdiction]
    federal: FederalRules
    directory: str

    def jurisdiction(self, code: str) -> Jurisdiction | None:
        return self.jurisdictions.get((code or "").upper())

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(sorted(set(JURISDICTION_CODES) - set(self.jurisdictions)))
