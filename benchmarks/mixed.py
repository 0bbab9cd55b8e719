"""Benchmark: a mixed run through the real stack, each request kind against its floor.

gunicorn (GUNICORN_WORKERS sync workers, DEBUG off, the floor views mounted beside the
portal: benchmarks/floor_urls.py), PostgreSQL, Redis and a Celery worker. `clients` threads,
one keep-alive connection each, draw request kinds at the weights of KINDS for `seconds`:
the district official's dashboard (a signed-in page), the voucher list (API), applications
from the district's enterprises, the official's approvals and providers' claims (API, with
an Idempotency-Key each, on confirmed orders with their paperwork).

The floor phase runs first with the same clients, weights and duration, each kind on its
floor through the same gunicorn: the dashboard on the bare signed-in page, the list on the
bare `.values()` view, and every write (application, approval, claim) on one transaction of
the claim's three writes in a bare view (guarded voucher update, redemption, audit row).
A claim's floor is exactly its writes; an application's and an approval's are of the same
size, not the same rows. Then the portal phase. 409 answers (a cap or budget
reached) are refusals the rules call for; a 5xx or a broken connection is an error.
Afterwards the reconciliation must be clean.
"""

import http.client
import json
import random
import threading
import time
import uuid
from collections import Counter

from benchmarks import common, http_claims
from benchmarks.api import API_PATH, FLOOR_PATH

GUNICORN_WORKERS = 4
REDIS_DB = 9
# Request kinds and their weights (per 100 requests).
KINDS = {"dashboard": 15, "list": 40, "application": 10, "approval": 10, "claim": 25}
WRITE_FLOOR_PATH = "/bench/floor/claim/"


class Phase:
    """The shared state of one phase: the work left and what came back, per kind."""

    def __init__(self, setup: dict, *, floor: bool):
        self.floor = floor
        self.setup = setup
        self.lock = threading.Lock()
        self.claims = list(setup["floor_claims" if floor else "claims"])
        self.applications = [] if floor else list(setup["applications"])
        self.latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
        self.statuses: dict[str, Counter] = {kind: Counter() for kind in KINDS}
        self.samples: list[str] = []

    def take(self, pool: list):
        with self.lock:
            return pool.pop() if pool else None

    def record(self, kind: str, status, seconds: float, text: bytes = b""):
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][str(status)] += 1
            if (status is None or status >= 500) and len(self.samples) < 5:
                self.samples.append(f"{kind} {status}: {text[:200]!r}")


def request_for(kind: str, phase: Phase, rng: random.Random):
    """(method, path, body, headers) of one request of `kind`, or None when its work ran out."""
    setup = phase.setup
    official = {"Authorization": f"Token {setup['official_token']}"}
    if kind == "dashboard":
        path = "/bench/floor/page/" if phase.floor else "/official/"
        return "GET", path, None, {"Cookie": f"sessionid={setup['official_session']}"}
    if kind == "list":
        return "GET", FLOOR_PATH if phase.floor else API_PATH, None, official
    json_headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
    if phase.floor:
        # Every write's floor: the claim's three writes in one transaction, bare.
        item = phase.take(phase.claims)
        if item is None:
            return None
        return "POST", WRITE_FLOOR_PATH, json.dumps(item), json_headers
    if kind == "application":
        token = rng.choice(setup["enterprise_tokens"])
        body = {"requested_amount": "1000.00", "purpose": "Bench: materials testing"}
        return "POST", "/api/voucher-applications/", json.dumps(body), {
            **json_headers, "Authorization": f"Token {token}"}  # fmt: skip
    if kind == "approval":
        application = phase.take(phase.applications)
        if application is None:
            return None
        body = json.dumps({"approved_amount": "1000.00", "note": "bench"})
        return "POST", f"/api/voucher-applications/{application}/approve/", body, {
            **json_headers, **official}  # fmt: skip
    item = phase.take(phase.claims)
    if item is None:
        return None
    token = setup["provider_tokens"][str(item["provider"])]
    body = json.dumps({"service_order": item["order"], "amount": item["amount"]})
    return "POST", "/api/redemptions/", body, {**json_headers, "Authorization": f"Token {token}"}


def run_phase(port: int, phase: Phase, *, clients: int, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    kinds, weights = list(KINDS), list(KINDS.values())

    def work(index):
        rng = random.Random(index)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < deadline:
            kind = rng.choices(kinds, weights)[0]
            request = request_for(kind, phase, rng)
            if request is None:
                continue
            method, path, body, headers = request
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                text, status = response.read(), response.status
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                text, status = str(error).encode(), None
            phase.record(kind, status, time.perf_counter() - started, text)
        conn.close()

    elapsed = common.run_together(work, clients)
    every = [x for values in phase.latencies.values() for x in values]
    result = {
        "seconds": elapsed,
        "requests": len(every),
        "per_second": len(every) / elapsed if elapsed else 0.0,
        "p50_ms": 1000 * http_claims.percentile(every, 0.5),
        "p99_ms": 1000 * http_claims.percentile(every, 0.99),
        "kinds": {},
        "samples": phase.samples,
    }
    for kind, values in phase.latencies.items():
        statuses = dict(phase.statuses[kind])
        result["kinds"][kind] = {
            "requests": len(values),
            "p50_ms": 1000 * http_claims.percentile(values, 0.5),
            "p99_ms": 1000 * http_claims.percentile(values, 0.99),
            "statuses": statuses,
            "errors": sum(n for s, n in statuses.items() if s == "None" or int(s) >= 500),
        }
    result["errors"] = sum(k["errors"] for k in result["kinds"].values())
    return result


def run(source_db: str, *, clients: int, seconds: float, claims: int, approvals: int) -> dict:
    """A copy of `source_db` with the mixed run's orders, users and applications; the floor
    phase, then the portal's on one stack; reconciliation afterwards."""
    db = common.db_name(f"mixed_{clients}")
    common.copy_db(source_db, db)
    setup = common.inproc(db, "mixed-setup", claims=claims, approvals=approvals, enterprises=200)
    common.vacuum_analyze(db)
    common.flush_redis(REDIS_DB)
    web, worker, port = http_claims.start_stack(
        db, redis_db=REDIS_DB, ROOT_URLCONF="benchmarks.floor_urls"
    )
    try:
        # Warm each worker's caches (tokens, templates) before either phase counts.
        run_phase(port, Phase({**setup, "floor_claims": []}, floor=True), clients=4, seconds=1)
        floor = run_phase(port, Phase(setup, floor=True), clients=clients, seconds=seconds)
        portal = run_phase(port, Phase(setup, floor=False), clients=clients, seconds=seconds)
        time.sleep(2)  # the worker drains the notifications the last requests queued
    finally:
        common.stop(web)
        common.stop(worker)
    common.flush_redis(REDIS_DB)
    reconcile = common.inproc(db, "reconcile")
    common.drop_db(db)
    return {"floor": floor, "portal": portal, "reconcile": reconcile, "clients": clients,
            "seconds": seconds}  # fmt: skip
