"""Pieces of benchmarks/run.py that can be checked without the services: wrk's output,
memory sampling, the table and its verdicts."""

import os

import pytest

from benchmarks import api, common
from benchmarks.run import Table, label

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
