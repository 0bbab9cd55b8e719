"""Benchmark: claims over HTTP through the real stack, against a hand-written write floor.

gunicorn (GUNICORN_WORKERS sync workers, DEBUG off), PostgreSQL, Redis as broker and a
Celery worker (a claim queues no task: its officials' e-mail is the minute's claim notice).
16 and 64 concurrent clients (threads, one keep-alive connection each) POST
`/api/redemptions/` with an `Idempotency-Key` each, on distinct vouchers and all on one hot
voucher (asking for twice its balance: exactly half must be held, the rest answered 409).

Floor: the same number of threads with their own connections each run one hand-written
transaction per claim doing the claim's writes: the voucher's guarded UPDATE, the
redemption INSERT and the audit row (a claim posts no journal lines: those are written when
the claim is approved; nor an outbox message: vouchers/services/claim_notices.py).

Beside it, the same transaction in a bare view on the same gunicorn (`/bench/floor/claim/`,
benchmarks/floor_urls.py), POSTed by the same clients: what HTTP and Django cost before the
portal does anything (no authentication, idempotency, checks or serializer). It shows how
much of the gap to the SQL floor any Django view has, and how much is the portal's own.
"""

import http.client
import json
import statistics
import threading
import time
import uuid

from benchmarks import common
from benchmarks.api import free_port

GUNICORN_WORKERS = 4
REDIS_DB = 9

FLOOR_UPDATE = (
    "UPDATE vouchers_voucher SET balance = balance - %(x)s, held = held + %(x)s"
    " WHERE id = %(voucher)s AND balance >= %(x)s RETURNING issuing_region_id"
)
FLOOR_INSERT = (
    "INSERT INTO vouchers_redemption (service_order_id, voucher_id, provider_id,"
    " issuing_region_id, provider_region_id, cross_region, amount, status, claimed_at,"
    " decision_note, payment_reference)"
    " SELECT %(order)s, %(voucher)s, p.id, %(region)s, p.region_id, p.region_id <> %(region)s,"
    " %(x)s, 'pending', now(), '', '' FROM providers_provider p WHERE p.id = %(provider)s"
    " RETURNING id"
)
FLOOR_AUDIT = (
    "INSERT INTO regions_auditentry (at, object_type, object_id, action, from_status,"
    " to_status, reason, data) VALUES (now(), 'vouchers.redemption', %(id)s, 'claim', '',"
    " 'pending', '', %(data)s)"
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _summary(seconds: float, latencies: list[float], counts: dict) -> dict:
    attempts = sum(counts.values())
    return {
        "seconds": seconds,
        "attempts": attempts,
        "per_second": attempts / seconds if seconds else 0.0,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p99_ms": 1000 * percentile(latencies, 0.99),
        **counts,
    }


def floor(db: str, plan: list[dict], clients: int) -> dict:
    counts = {"ok": 0, "refused": 0, "errors": 0}
    latencies: list[float] = []
    lock = threading.Lock()
    connections = [common.connect(db) for _ in range(clients)]

    def work(index):
        conn = connections[index]
        for item in plan[index::clients]:
            params = {"x": item["amount"], "voucher": item["voucher"], "order": item["order"]}
            started = time.perf_counter()
            try:
                with conn.transaction():
                    row = conn.execute(FLOOR_UPDATE, params).fetchone()
                    if row is None:
                        outcome = "refused"
                    else:
                        params.update(region=row[0], provider=item["provider"])
                        redemption = conn.execute(FLOOR_INSERT, params).fetchone()[0]
                        data = json.dumps({"amount": item["amount"], "order": item["order"]})
                        conn.execute(FLOOR_AUDIT, {"id": str(redemption), "data": data})
                        outcome = "ok"
            except Exception:
                outcome = "errors"
            elapsed = time.perf_counter() - started
            with lock:
                counts[outcome] += 1
                latencies.append(elapsed)

    try:
        seconds = common.run_together(work, clients)
    finally:
        for conn in connections:
            conn.close()
    return _summary(seconds, latencies, counts)


def post_all(port: int, plan: list[dict], clients: int, request_for) -> dict:
    """POST every item of `plan` from `clients` threads, one keep-alive connection each;
    `request_for(item)` gives (path, body, headers). 201 is a claim held, 409 a refusal."""
    counts = {"ok": 0, "refused": 0, "errors": 0}
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    samples: list[str] = []
    lock = threading.Lock()

    def work(index):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for item in plan[index::clients]:
            path, body, headers = request_for(item)
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                text = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status, text = None, str(error).encode()
            elapsed = time.perf_counter() - started
            outcome = "ok" if status == 201 else "refused" if status == 409 else "errors"
            with lock:
                counts[outcome] += 1
                latencies.append(elapsed)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if outcome == "errors" and len(samples) < 5:
                    samples.append(f"{status}: {text[:200]!r}")
        conn.close()

    seconds = common.run_together(work, clients)
    return {**_summary(seconds, latencies, counts), "statuses": statuses, "samples": samples}


def portal(port: int, plan: list[dict], tokens: dict, clients: int) -> dict:
    """Each item claimed through `POST /api/redemptions/` with an Idempotency-Key."""

    def request_for(item):
        body = json.dumps({"service_order": item["order"], "amount": item["amount"]})
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Token {tokens[str(item['provider'])]}",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        return "/api/redemptions/", body, headers

    return post_all(port, plan, clients, request_for)


def http_floor(port: int, plan: list[dict], clients: int) -> dict:
    """The claim's writes in the bare view, POSTed as the portal's claims are."""

    def request_for(item):
        body = json.dumps({key: item[key] for key in ("order", "voucher", "provider", "amount")})
        return "/bench/floor/claim/", body, {"Content-Type": "application/json"}

    return post_all(port, plan, clients, request_for)


def _drained(db: str, timeout: float = 60) -> None:
    """Until the Celery worker has run every outbox message (none is a claim's own)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not common.scalar(db, "SELECT count(*) FROM portal_outboxmessage WHERE done_at IS NULL"):
            return
        time.sleep(0.2)


def start_stack(db: str, *, redis_db: int = REDIS_DB, **extra):
    """gunicorn and a Celery worker on `db`; `extra` goes into their environment."""
    port = free_port()
    env = common.portal_env(
        db,
        CELERY_BROKER_URL=common.redis_url(redis_db),
        CONN_MAX_AGE=600,
        THROTTLE_USER="100000000/second",
        THROTTLE_ANON="100000000/second",
        **extra,
    )
    worker = common.start(
        f"celery-{db}",
        [common.PYTHON, "-m", "celery", "-A", "portal", "worker", "-l", "warning",
         "--concurrency", "1"],
        env,
    )  # fmt: skip
    web = common.start(
        f"gunicorn-claims-{db}",
        [common.PYTHON, "-m", "gunicorn", "portal.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", str(GUNICORN_WORKERS), "--log-level", "warning"],
        env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz/")
            if conn.getresponse().status == 200:
                common.wait_until_idle(web.pid, worker.pid)
                return web, worker, port
        except OSError:
            pass
        if web.poll() is not None:
            break
        time.sleep(0.3)
    common.stop(web)
    common.stop(worker)
    raise common.BenchError(f"gunicorn did not start; see {web.log_path}")


def run(source_db: str, *, distinct: int, single: int, clients: list[int]) -> dict:
    """For each client count: a fresh copy of `source_db` with its orders, the floor on a
    copy of that, then the portal over HTTP; balances and reconciliation checked after."""
    result = {}
    for count in clients:
        db = common.db_name(f"http_claims_{count}")
        floor_db = f"{db}_floor"
        common.copy_db(source_db, db)
        plan = common.inproc(db, "claims-setup", distinct=distinct, single=single)
        tokens = common.inproc(db, "provider-tokens")
        http_floor_db = f"{db}_http_floor"
        common.copy_db(db, floor_db)
        common.copy_db(db, http_floor_db)
        for name in (db, floor_db, http_floor_db):
            common.vacuum_analyze(name)
        common.flush_redis(REDIS_DB)
        figures = {"floor": {}, "http_floor": {}, "portal": {}}
        for case in ("distinct", "single"):
            figures["floor"][case] = floor(floor_db, plan[case], count)
        web, worker, port = start_stack(http_floor_db, ROOT_URLCONF="benchmarks.floor_urls")
        try:
            for case in ("distinct", "single"):
                with common.CpuUse(gunicorn=web.pid, celery=worker.pid) as cpu:
                    figures["http_floor"][case] = http_floor(port, plan[case], count)
                figures["http_floor"][case]["cpu_ms"] = cpu.per(len(plan[case]))
        finally:
            common.stop(web)
            common.stop(worker)
        common.flush_redis(REDIS_DB)
        web, worker, port = start_stack(db)
        try:
            for case in ("distinct", "single"):
                with common.CpuUse(gunicorn=web.pid, celery=worker.pid) as cpu:
                    figures["portal"][case] = portal(port, plan[case], tokens, count)
                    # The worker sends the notifications the last claims queued.
                    _drained(db)
                figures["portal"][case]["cpu_ms"] = cpu.per(len(plan[case]))
        finally:
            common.stop(web)
            common.stop(worker)
        common.flush_redis(REDIS_DB)
        figures["check"] = common.inproc(db, "claims-check", **plan)
        figures["reconcile"] = common.inproc(db, "reconcile")
        common.drop_db(floor_db)
        common.drop_db(http_floor_db)
        common.drop_db(db)
        result[count] = figures
    return result
