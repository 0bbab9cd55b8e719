"""Benchmark 1: settling N approved redemptions with real Celery workers, against one
hand-written SQL transaction doing the same claim and totals on a copy of the same data."""

import time
from decimal import Decimal

from benchmarks import common

TOTALS_SQL = (
    "SELECT f.code, t.code, SUM(o.amount), SUM(o.redemption_count)"
    " FROM regions_settlementobligation o JOIN regions_region f ON f.id = o.from_region_id"
    " JOIN regions_region t ON t.id = o.to_region_id WHERE o.batch_id = %s GROUP BY 1, 2"
)

FLOOR_SQL = """
WITH claimed AS (
    UPDATE vouchers_redemption SET settlement_batch_id = %(batch)s
    WHERE settlement_batch_id IS NULL AND cross_region AND status IN ('approved', 'paid')
      AND decided_at <= now()
    RETURNING issuing_region_id, provider_region_id, amount
)
SELECT f.code, t.code, SUM(c.amount), COUNT(*)
FROM claimed c JOIN regions_region f ON f.id = c.issuing_region_id
JOIN regions_region t ON t.id = c.provider_region_id GROUP BY 1, 2
"""


def load(db: str, *, redemptions: int, vouchers: int, enterprises: int) -> float:
    """A fresh database from the migrated base with `redemptions` approved redemptions."""
    common.copy_db(common.BASE_DB, db)
    started = time.monotonic()
    common.manage(
        db,
        "seed_load",
        f"--enterprises={enterprises}",
        f"--vouchers={vouchers}",
        f"--redemptions={redemptions}",
    )
    common.vacuum_analyze(db)
    return time.monotonic() - started


def floor(db: str) -> dict:
    """One transaction: open a batch row, claim every eligible row, total the pairs."""
    with common.connect(db) as conn:
        started = time.perf_counter()
        with conn.transaction():
            batch = conn.execute(
                "INSERT INTO regions_settlementbatch (status, cutoff, created_at,"
                " progressed_at, redemption_count, gross_total, claimed_count)"
                " VALUES ('open', now(), now(), now(), 0, 0, 0) RETURNING id"
            ).fetchone()[0]
            rows = conn.execute(FLOOR_SQL, {"batch": batch}).fetchall()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "totals": {(a, b): (Decimal(s), int(n)) for a, b, s, n in rows}}


def portal(db: str, *, workers: int, timeout: float = 3600) -> dict:
    """`workers` Celery worker processes (concurrency 1 each) settle one batch, from the
    operator's service call to the batch computed; memory sampled over the worker trees."""
    common.flush_redis(8)
    env = common.portal_env(db, CELERY_BROKER_URL=common.redis_url(8), CONN_MAX_AGE=0)
    processes = [
        common.start(
            f"worker-{db}-{i}",
            [
                common.PYTHON,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"bench{i}-{db}@%h",
            ],
            env,
        )
        for i in range(workers)
    ]
    try:
        for process in processes:
            common.wait_for_log(process, " ready.")
        sampler = common.TreeMemory([p.pid for p in processes])
        idle_rss, idle_pss = sampler.sample()
        with sampler:
            batch = common.inproc(
                db, "settle-start", env={"CELERY_BROKER_URL": common.redis_url(8)}
            )["batch"]
            deadline = time.monotonic() + timeout
            with common.connect(db, autocommit=True) as conn:
                while True:
                    status, created, computed = conn.execute(
                        "SELECT status, created_at, computed_at FROM regions_settlementbatch"
                        " WHERE id = %s",
                        [batch],
                    ).fetchone()
                    if status != "open":
                        break
                    for process in processes:
                        if process.poll() is not None:
                            raise common.BenchError(f"a worker died; see {process.log_path}")
                    if time.monotonic() > deadline:
                        raise common.BenchError(f"batch {batch} still open after {timeout} s")
                    time.sleep(0.1)
                rows = conn.execute(TOTALS_SQL, [batch]).fetchall()
                claimed = conn.execute(
                    "SELECT COUNT(*) FROM vouchers_redemption WHERE settlement_batch_id = %s",
                    [batch],
                ).fetchone()[0]
                left = conn.execute(
                    "SELECT COUNT(*) FROM vouchers_redemption WHERE settlement_batch_id IS NULL"
                    " AND cross_region AND status IN ('approved', 'paid')"
                ).fetchone()[0]
    finally:
        for process in processes:
            common.stop(process)
    return {
        "seconds": (computed - created).total_seconds(),
        "totals": {(a, b): (Decimal(s), int(n)) for a, b, s, n in rows},
        "claimed": claimed,
        "left": left,
        "peak_rss_mb": sampler.peak_rss,
        "peak_pss_mb": sampler.peak_pss,
        "idle_rss_mb": idle_rss,
        "samples": sampler.samples,
    }


def same_totals(portal_result: dict, floor_result: dict) -> bool:
    return (
        portal_result["totals"] == floor_result["totals"]
        and len(floor_result["totals"]) == 12
        and portal_result["left"] == 0
        and portal_result["claimed"] == sum(n for _, n in floor_result["totals"].values())
    )
