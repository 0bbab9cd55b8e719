"""Pieces of benchmarks/run.py that can be checked without the services: wrk's output,
memory sampling, the table and its verdicts."""

import os
import random
import subprocess
import sys
import time

import pytest

from benchmarks import api, common, mixed
from benchmarks.run import SHORT, Table, bench_mixed, label

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/api/vouchers/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    25.10ms   10.21ms 120.00ms   80.00%
    Req/Sec   320.00     40.00   400.00     70.00%
  Latency Distribution
     50%   23.50ms
     75%   30.00ms
     90%   38.00ms
     99%    1.20s
  6400 requests in 10.01s, 12.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    639.36
Transfer/sec:      1.20MB
"""


def test_it_reads_wrk_output(monkeypatch):
    class Done:
        stdout = WRK_OUTPUT

    monkeypatch.setattr(api.subprocess, "run", lambda *a, **k: Done())
    result = api.wrk("http://127.0.0.1:1/", seconds=1, token="t")
    assert result["rps"] == 639.36
    assert result["p50_ms"] == 23.5
    assert result["p99_ms"] == 1200.0
    assert result["requests"] == 6400
    assert result["non_2xx"] == 3


def test_it_samples_the_memory_of_a_process_tree():
    rss, pss = common.TreeMemory([os.getpid()]).sample()
    assert rss > 10
    assert 0 < pss <= rss * 1.01


def test_a_measure_waits_for_a_booting_process_tree_to_go_idle():
    """A gunicorn answers its first health check while its other workers still import the
    portal: the measure begins once the whole tree is idle, not before."""
    boot = "import time\nend = time.process_time() + 1.5\nwhile time.process_time() < end: pass\ntime.sleep(30)"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', {boot!r}])\ntime.sleep(30)",
        ]
    )
    try:
        time.sleep(0.3)
        started = time.monotonic()
        common.wait_until_idle(parent.pid, window=0.3)
        waited = time.monotonic() - started
        children = common._children()
        cpu = sum(common._cpu_seconds(pid) for pid in common._tree(parent.pid, children))
    finally:
        for pid in common._tree(parent.pid, common._children()):
            os.kill(pid, 9)
        parent.wait()
    # The child's 1.5 s of busy start-up was over before the wait ended.
    assert cpu >= 1.4
    assert waited >= 0.9


def test_waiting_for_a_process_tree_that_stays_busy_gives_up():
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        with pytest.raises(common.BenchError):
            common.wait_until_idle(busy.pid, window=0.2, timeout=1)
    finally:
        busy.kill()
        busy.wait()


def test_a_failed_correctness_row_fails_the_run_and_a_slow_one_does_not():
    table = Table()
    table.add("slow", 3.0, 1.0, "<= 2x floor", False)
    assert table.rows[0]["ratio"] == 3.0
    assert table.failures == []
    table.add("totals", False, True, "equal", False, correctness=True)
    assert table.failures == ["totals"]


def test_it_labels_sizes():
    assert label(1_000_000) == "1M"
    assert label(100_000) == "100k"
    assert label(10_000) == "10k"


def test_database_urls_stay_on_the_server_of_database_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5433/portal?sslmode=require")
    assert common.db_url("bench_x") == "postgres://u:p@db.example:5433/bench_x?sslmode=require"


def test_the_prefix_names_every_benchmark_database_and_guards_the_drop(monkeypatch):
    monkeypatch.setattr(common, "DB_PREFIX", "me_")
    assert common.db_name("base") == "me_base"
    with pytest.raises(AssertionError):
        common.drop_db("postgres")  # refused before any connection is made


def _phase(p99: float, statuses: dict) -> dict:
    kinds = {
        kind: {"requests": 10, "p50_ms": p99 / 2, "p99_ms": p99, "statuses": statuses,
               "errors": sum(n for s, n in statuses.items() if s == "None" or int(s) >= 500)}
        for kind in mixed.KINDS
    }  # fmt: skip
    errors = sum(k["errors"] for k in kinds.values())
    return {"per_second": 100.0, "p50_ms": p99 / 2, "p99_ms": p99, "kinds": kinds,
            "errors": errors}  # fmt: skip


def test_the_mixed_run_compares_each_kinds_p99_with_its_floors(monkeypatch):
    result = {"floor": _phase(100.0, {"200": 10}), "portal": _phase(150.0, {"200": 10}),
              "reconcile": {"ok": True}}  # fmt: skip
    result["portal"]["kinds"]["claim"]["p99_ms"] = 250.0
    monkeypatch.setattr(mixed, "run", lambda *a, **k: result)
    table, notes = Table(), {}
    bench_mixed(table, dict(SHORT), notes, "bench_api")
    verdicts = {row["benchmark"].split(": ")[1].split(" p99")[0]: row["met"] for row in
                table.rows if " p99 ms (" in row["benchmark"]}  # fmt: skip
    assert verdicts == {"dashboard": True, "list": True, "application": True,
                        "approval": True, "claim": False}  # fmt: skip
    assert table.failures == []  # slow is reported, not a failed run


def test_a_5xx_in_the_mixed_run_fails_the_run(monkeypatch):
    result = {"floor": _phase(100.0, {"200": 10}), "portal": _phase(100.0, {"502": 1}),
              "reconcile": {"ok": True}}  # fmt: skip
    monkeypatch.setattr(mixed, "run", lambda *a, **k: result)
    table = Table()
    bench_mixed(table, dict(SHORT), {}, "bench_api")
    assert table.failures == ["Mixed 3 s, 16 clients: 5xx and broken connections"]


def test_the_mixed_runs_floor_phase_asks_the_floor_views():
    setup = {"official_token": "t", "official_session": "s", "floor_claims": [{"order": 1}],
             "claims": [], "applications": [], "provider_tokens": {}, "enterprise_tokens": []}  # fmt: skip
    phase = mixed.Phase(setup, floor=True)
    rng = random.Random(1)
    assert mixed.request_for("dashboard", phase, rng)[1] == "/bench/floor/page/"
    assert mixed.request_for("list", phase, rng)[1] == api.FLOOR_PATH
    assert mixed.request_for("approval", phase, rng)[1] == mixed.WRITE_FLOOR_PATH
    assert mixed.request_for("claim", phase, rng) is None  # the one floor claim was taken
    portal = mixed.Phase(setup, floor=False)
    assert mixed.request_for("dashboard", portal, rng)[1] == "/official/"
    assert mixed.request_for("claim", portal, rng) is None
