"""Benchmark 3: redemption claims from 16 concurrent clients (threads calling the service,
each with its own connection), on distinct vouchers and all on one voucher.

Floor: the bare hold per claim, `UPDATE vouchers_voucher SET balance = balance - x,
held = held + x WHERE id = %s AND balance >= x` in autocommit, from the same number of
threads with their own connections, on a copy of the same data.
"""

import threading
import time

from benchmarks import common

FLOOR_SQL = (
    "UPDATE vouchers_voucher SET balance = balance - %(x)s, held = held + %(x)s"
    " WHERE id = %(id)s AND balance >= %(x)s"
)


def floor(db: str, plan: list[dict], threads: int) -> dict:
    counts = {"ok": 0, "refused": 0, "errors": 0}
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)

    def work(index):
        with common.connect(db, autocommit=True) as conn:
            barrier.wait()
            for item in plan[index::threads]:
                try:
                    done = conn.execute(FLOOR_SQL, {"x": item["amount"], "id": item["voucher"]})
                    outcome = "ok" if done.rowcount == 1 else "refused"
                except Exception:
                    outcome = "errors"
                with lock:
                    counts[outcome] += 1

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    return {"seconds": time.perf_counter() - started, **counts}


def run(source_db: str, *, distinct: int, single: int, threads: int = 16) -> dict:
    """Orders on a copy of `source_db`, then the floor on a copy of that, then the service."""
    db, floor_db = common.db_name("claims"), common.db_name("claims_floor")
    common.copy_db(source_db, db)
    plan = common.inproc(db, "claims-setup", distinct=distinct, single=single)
    common.copy_db(db, floor_db)
    result = {"floor": {}, "portal": {}}
    common.flush_redis(9)
    for case in ("distinct", "single"):
        result["floor"][case] = floor(floor_db, plan[case], threads)
        result["portal"][case] = common.inproc(
            db,
            "claims-run",
            plan=plan[case],
            threads=threads,
            # Notifications are queued to Redis after commit, as a web process would.
            env={"CELERY_BROKER_URL": common.redis_url(9)},
        )
    common.flush_redis(9)
    result["check"] = common.inproc(db, "claims-check", **plan)
    result["reconcile"] = common.inproc(db, "reconcile")
    result["plan"] = {"distinct": distinct, "single": single, "threads": threads}
    common.drop_db(floor_db)
    return result
