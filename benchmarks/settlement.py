"""Benchmark 1: settling N approved redemptions with real Celery workers, against two floors:
hand-written SQL transactions doing the same claim and totals on a copy of the same data, one
rewriting each wide redemption row (the former design), one recording (batch, redemption) in
a narrow table (the least any design must write)."""

import time
from decimal import Decimal

from benchmarks import common

TOTALS_SQL = (
    "SELECT f.code, t.code, SUM(o.amount), SUM(o.redemption_count)"
    " FROM regions_settlementobligation o JOIN regions_region f ON f.id = o.from_region_id"
    " JOIN regions_region t ON t.id = o.to_region_id WHERE o.batch_id = %s GROUP BY 1, 2"
)

ELIGIBLE = "cross_region AND status IN ('approved', 'paid') AND decided_at <= now()"

# The wide floor: the least the former design (a settlement_batch_id column stamped on each
# redemption) had to write: every claimed wide redemption row rewritten, with its indexes.
# WIDE_FLOOR_SETUP gives this copy the column and its index back, outside the timing.
WIDE_FLOOR_SETUP = [
    "ALTER TABLE vouchers_redemption ADD COLUMN settlement_batch_id bigint",
    "CREATE INDEX bench_redemption_batch_idx ON vouchers_redemption"
    " (settlement_batch_id, issuing_region_id, provider_region_id)",
]
FLOOR_SQL = f"""
WITH claimed AS (
    UPDATE vouchers_redemption SET settlement_batch_id = %(batch)s
    WHERE settlement_batch_id IS NULL AND {ELIGIBLE}
    RETURNING issuing_region_id, provider_region_id, amount
)
SELECT f.code, t.code, SUM(c.amount), COUNT(*)
FROM claimed c JOIN regions_region f ON f.id = c.issuing_region_id
JOIN regions_region t ON t.id = c.provider_region_id GROUP BY 1, 2
"""

# The narrow floor: the least any design must write. (batch, redemption id) for every
# claimable row into a narrow table whose primary key is the redemption (what makes it
# settle once), and the 12 pair totals; no foreign keys, no copied columns.
NARROW_FLOOR_SETUP = [
    "CREATE TABLE bench_floor_item (redemption_id bigint PRIMARY KEY, batch_id bigint NOT NULL)"
]
NARROW_FLOOR_SQL = f"""
WITH claimable AS MATERIALIZED (
    SELECT id, issuing_region_id, provider_region_id, amount FROM vouchers_redemption
    WHERE {ELIGIBLE}
), recorded AS (
    INSERT INTO bench_floor_item (redemption_id, batch_id) SELECT id, %(batch)s FROM claimable
)
SELECT f.code, t.code, SUM(c.amount), COUNT(*)
FROM claimable c JOIN regions_region f ON f.id = c.issuing_region_id
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


def floor(db: str, *, narrow: bool = False) -> dict:
    """One transaction: open a batch row, claim every eligible row, total the pairs; the
    wide floor rewrites each redemption row, the narrow one records (batch, redemption)."""
    setup, sql = (NARROW_FLOOR_SETUP, NARROW_FLOOR_SQL) if narrow else (WIDE_FLOOR_SETUP, FLOOR_SQL)
    with common.connect(db) as conn:
        with conn.transaction():
            for statement in setup:
                conn.execute(statement)
        started = time.perf_counter()
        with conn.transaction():
            batch = conn.execute(
                "INSERT INTO regions_settlementbatch (status, cutoff, created_at,"
                " progressed_at, redemption_count, gross_total, claimed_count)"
                " VALUES ('open', now(), now(), now(), 0, 0, 0) RETURNING id"
            ).fetchone()[0]
            rows = conn.execute(sql, {"batch": batch}).fetchall()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "totals": {(a, b): (Decimal(s), int(n)) for a, b, s, n in rows}}


def portal(db: str, *, workers: int, timeout: float = 3600) -> dict:
    """`workers` Celery worker processes (concurrency 1 each) settle one batch, from the
    operator's service call to the batch computed; memory sampled over the worker trees."""
    common.flush_redis(8)
    # INFO: the worker says " ready." at that level (the portal's benchmarks log WARNING).
    env = common.portal_env(
        db, CELERY_BROKER_URL=common.redis_url(8), CONN_MAX_AGE=0, LOG_LEVEL="INFO"
    )
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
                    "SELECT COUNT(*) FROM regions_settlementitem WHERE batch_id = %s", [batch]
                ).fetchone()[0]
                left = conn.execute(
                    "SELECT COUNT(*) FROM vouchers_redemption r WHERE r.cross_region"
                    " AND r.status IN ('approved', 'paid') AND NOT EXISTS (SELECT 1"
                    " FROM regions_settlementitem i WHERE i.redemption_id = r.id)"
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
