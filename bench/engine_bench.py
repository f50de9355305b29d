"""Time the pure deadline engine over synthetic cases (no pass/fail; prints figures).

    .venv/bin/python bench/engine_bench.py [--cases 10000] [--seed 1]

Uses the reviewed rules in service/rules (whatever jurisdiction files are present). Each synthetic
case has a delinquency, loss-mitigation traffic, servicer correspondence and, for most, a foreclosure
through sale; states are drawn from the loaded jurisdictions.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.clock.deficiency import compute_deficiency  # noqa: E402
from service.clock.engine import CaseFacts, Event, compute_deadlines  # noqa: E402
from service.clock.rules import load_rulebook  # noqa: E402
from service.clock.stages import derive_stage  # noqa: E402


def synthetic_case(rng: random.Random, states: list[str]) -> tuple[CaseFacts, list[Event]]:
    state = rng.choice(states)
    start = date(2024, 1, 1) + timedelta(days=rng.randrange(900))
    facts = CaseFacts(
        state=state,
        process=rng.choice([None, "judicial", "nonjudicial"]),
        occupancy=rng.choice([None, "primary_residence", "second_home", "investment", "vacant"]),
        dwelling_units=rng.choice([None, 1, 2, 4]),
        acreage=rng.choice([None, Decimal("0.25"), Decimal("12"), Decimal("80")]),
        purpose=rng.choice([None, "purchase", "refinance", "home_equity"]),
        lien_position=rng.choice([None, 1, 2]),
        unpaid_principal=Decimal(rng.randrange(50_000, 900_000)),
        accrued_interest=Decimal(rng.randrange(0, 40_000)),
        fees_and_costs=Decimal(rng.randrange(0, 15_000)),
        credits=Decimal(rng.randrange(0, 5_000)),
    )
    events: list[Event] = []

    def add(type_, offset, **details):
        events.append(Event(f"e{len(events)}", type_, start + timedelta(days=offset), details))

    add("first_missed_payment", 0)
    add("pre_foreclosure_notice_sent", 40)
    if rng.random() < 0.6:
        add("loss_mit_application_received", 60)
        add("loss_mit_application_complete", 75)
        if rng.random() < 0.5:
            add("loss_mit_denied", 100)
    add("notice_of_error_sent", 50, received_on=(start + timedelta(days=53)).isoformat())
    add("servicer_acknowledged", 56, extended=rng.random() < 0.3)
    if rng.random() < 0.5:
        add("servicer_responded", 90)
    add("request_for_information_sent", 70)
    if rng.random() < 0.8:
        add("notice_of_default_recorded", 130)
        add("complaint_filed", 130)
        add("complaint_served", 140)
        if rng.random() < 0.5:
            add("answer_filed", 160)
        add("sale_scheduled", 260)
        if rng.random() < 0.7:
            add("sale_held", 260, sale_price=str(rng.randrange(40_000, 800_000)))
            add("sale_confirmed", 280)
            add("deed_delivered", 290)
    if rng.random() < 0.1:
        add("bankruptcy_filed", 200)
    if rng.random() < 0.05:
        add("military_service_ended", 10)
    return facts, events


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    t0 = time.perf_counter()
    rulebook = load_rulebook(require_all=False)
    load_s = time.perf_counter() - t0
    states = sorted(rulebook.jurisdictions) or ["IL"]
    rng = random.Random(args.seed)
    cases = [synthetic_case(rng, states) for _ in range(args.cases)]
    today = date(2026, 11, 23)

    # warm the holiday caches once (start-up cost, not per-case cost)
    for facts, events in cases[:200]:
        compute_deadlines(facts, events, rulebook, today)

    per_case = []
    computed = []
    total_deadlines = 0
    t_all = time.perf_counter()
    for facts, events in cases:
        t = time.perf_counter()
        deadlines = compute_deadlines(facts, events, rulebook, today)
        per_case.append(time.perf_counter() - t)
        computed.append(deadlines)
        total_deadlines += len(deadlines)
    engine_s = time.perf_counter() - t_all

    # stage and deficiency read the dates they need from the deadlines already computed
    t = time.perf_counter()
    for (facts, events), deadlines in zip(cases, computed):
        derive_stage(events, facts, rulebook, today, deadlines=deadlines)
    stage_s = time.perf_counter() - t
    t = time.perf_counter()
    for (facts, events), deadlines in zip(cases, computed):
        compute_deficiency(facts, events, rulebook, deadlines=deadlines)
    deficiency_s = time.perf_counter() - t

    per_case.sort()
    n = len(cases)
    print(f"rulebook load + validation: {load_s * 1000:.1f} ms ({len(states)} jurisdictions)")
    print(f"cases: {n}, deadlines: {total_deadlines} ({total_deadlines / n:.1f} per case)")
    print(
        f"compute_deadlines: total {engine_s:.2f} s, mean {engine_s / n * 1e6:.0f} us/case, "
        f"median {statistics.median(per_case) * 1e6:.0f} us, p99 {per_case[int(n * 0.99)] * 1e6:.0f} us"
    )
    print(f"derive_stage:      mean {stage_s / n * 1e6:.0f} us/case")
    print(f"compute_deficiency (given the deadlines): mean {deficiency_s / n * 1e6:.0f} us/case")
    print(f"extrapolated: 100,000 cases' deadlines in {engine_s / n * 100_000:.1f} s")


if __name__ == "__main__":
    main()
