"""The case detail in process: N reads through Flask's test client on the bench's PostgreSQL database (see
bench/api_bench.py, whose data it loads or reuses), timed in CPU (time.process_time, this process only:
the database server's work is not counted) and optionally profiled with cProfile.

    BENCH_DB_NAME=... .venv/bin/python bench/api_profile.py [--reuse] [--requests 3000] [--profile FILE]
Prints CPU ms per request (median of 5 batches); --profile writes a pstats file of one more batch."""

from __future__ import annotations

import argparse
import cProfile
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--profile")
    args = parser.parse_args()
    import api_bench

    if args.reuse:
        token, case_id = api_bench.reuse()
    else:
        api_bench.create_database()
        token, case_id = api_bench.load(args.cases)
    os.environ.update({"FORESTALL_ENV": "development", "DATABASE_URL": api_bench.DB_URL})
    from service.app import create_app

    client = create_app().test_client()
    path, headers = f"/api/v1/cases/{case_id}", {"Authorization": f"Bearer {token}"}

    def batch(n: int) -> float:
        started = time.process_time()
        for _ in range(n):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, response.data
        return (time.process_time() - started) * 1000 / n

    batch(200)  # warm: imports, compiled statements, prepared statements
    runs = [batch(args.requests) for _ in range(5)]
    print(f"CPU per case read: {statistics.median(runs):.3f} ms (batches {', '.join(f'{r:.3f}' for r in runs)})")
    if args.profile:
        profiler = cProfile.Profile(time.process_time)  # CPU, not the waits for the database
        profiler.enable()
        batch(args.requests)
        profiler.disable()
        profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()
