"""Load test: virtual users of all four districts against gunicorn and a real Celery worker.

Each virtual user loops for the test's duration over what the portal's people do: the public
browses pages and the directory; enterprises apply for vouchers and order services; officials
approve applications and redemptions; providers accept, complete (with an evidence PDF) and
claim orders. Afterwards `manage.py reconcile` must find no breach.

A refusal the rules call for (409 cap reached, 404 already taken by another user) is expected
traffic; a 5xx or a transport error is a failure. The run exits non-zero on any failure.

    python -m benchmarks.loadtest                    # 100 users for 60 s (make loadtest)
    python -m benchmarks.loadtest --users 20 --seconds 15   # the short run CI makes

Needs PostgreSQL (DATABASE_URL's server) and Redis (BENCH_REDIS_URL's server).
"""

import argparse
import json
import random
import statistics
import sys
import threading
import time
from collections import Counter

import requests

from benchmarks import common
from benchmarks.api import free_port

DB = common.db_name("loadtest")
REDIS_DB = 7
PROVIDER_NAMES = {
    "provider-sit": "Shanghai Institute of Technology",
    "provider-graphene": "Jiangnan Graphene Research Institute",
    "provider-weikai": "Jiaxing Weikai Testing Technology Co., Ltd.",
    "provider-ustc": "Institute of Advanced Technology, University of Science and Technology of China",
}
DISTRICTS = {
    "YANGPU": ("enterprise-yangpu", "official-yangpu", "provider-sit"),
    "WUJIN": ("enterprise-jiangnan", "official-wujin", "provider-graphene"),
    "NANHU": ("enterprise-nanhu", "official-nanhu", "provider-weikai"),
    "HEFEI_HT": ("enterprise-hefei", "official-hefei", "provider-ustc"),
}
# A PDF the evidence check accepts by its content: the signature and an end-of-file marker.
EVIDENCE_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.failures: list[str] = []

    def record(self, method: str, path: str, status: int | None, seconds: float, note=""):
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status or "error"] += 1
            if status is None or status >= 500:
                if len(self.failures) < 50:
                    self.failures.append(f"{method} {path} -> {status or note}")


class VirtualUser:
    """One person's session: a token per role of one district, plus the shared results."""

    def __init__(self, base: str, tokens: dict, providers: dict, results: Results, seed: int):
        self.base = base
        self.tokens = tokens
        self.providers = providers
        self.results = results
        self.random = random.Random(seed)
        self.http = requests.Session()

    def call(self, method: str, path: str, role_user: str | None = None, **kwargs):
        headers = kwargs.pop("headers", {})
        if role_user:
            headers["Authorization"] = f"Token {self.tokens[role_user]}"
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, self.base + path, headers=headers, timeout=30, **kwargs
            )
        except requests.RequestException as error:
            self.results.record(method, path, None, time.perf_counter() - started, str(error))
            return None
        self.results.record(method, path, response.status_code, time.perf_counter() - started)
        return response

    def json(self, response):
        if response is None or response.status_code >= 300:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    # --- what people do ---------------------------------------------------------------

    def browse(self):
        path = self.random.choice(
            ["/", "/providers/", "/api/providers/?page_size=20", "/api/regions/", "/verify/"]
        )
        self.call("GET", path)

    def apply(self, enterprise):
        self.call(
            "POST",
            "/api/voucher-applications/",
            enterprise,
            json={"requested_amount": "2000.00", "purpose": "Load test: materials testing"},
        )

    def approve_application(self, official):
        page = self.json(
            self.call("GET", "/api/voucher-applications/?status=submitted&page_size=5", official)
        )
        for application in (page or {}).get("results", [])[:1]:
            self.call(
                "POST",
                f"/api/voucher-applications/{application['id']}/approve/",
                official,
                json={"approved_amount": application["requested_amount"], "note": "load test"},
            )

    def order_to_claim(self, enterprise, provider_user, official):
        vouchers = self.json(
            self.call("GET", "/api/vouchers/?status=active&page_size=20", enterprise)
        )
        usable = [v for v in (vouchers or {}).get("results", []) if float(v["balance"]) >= 100]
        if not usable:
            return
        voucher = self.random.choice(usable)
        # Any district's provider: most orders cross districts, as the programme intends.
        provider_user = self.random.choice(list(self.providers))
        order = self.json(
            self.call(
                "POST",
                "/api/service-orders/",
                enterprise,
                json={
                    "provider": self.providers[provider_user],
                    "voucher": voucher["serial"],
                    "title": "Load test: graphene sample characterisation",
                    "contract_amount": "200.00",
                },
            )
        )
        if not order:
            return
        path = f"/api/service-orders/{order['id']}"
        if not self.json(self.call("POST", f"{path}/accept/", provider_user)):
            return
        completed = self.call(
            "POST",
            f"{path}/complete/",
            provider_user,
            data={"summary": "Measured and reported."},
            files={"evidence": ("report.pdf", EVIDENCE_PDF, "application/pdf")},
        )
        if not self.json(completed) or not self.json(
            self.call("POST", f"{path}/confirm/", enterprise)
        ):
            return
        if not self.paperwork(path, enterprise, provider_user, order["id"]):
            return
        redemption = self.json(
            self.call(
                "POST",
                "/api/redemptions/",
                provider_user,
                json={"service_order": order["id"], "amount": "100.00"},
            )
        )
        if redemption:
            self.call("POST", f"/api/redemptions/{redemption['id']}/approve/", official, json={})

    def paperwork(self, path: str, enterprise: str, provider_user: str, order_id: int) -> bool:
        """What a claim needs besides a confirmed order: the signed contract (the enterprise
        uploads it), the invoice (the provider), the enterprise's own share (half of the
        contract at the demo's 50 % co-funding) and the provider's confirmation of it."""
        # A fully digital invoice (20 digits, no code), its file its own: one invoice's file
        # on two orders is refused as the same invoice.
        number = str(self.random.randrange(10**19, 10**20))
        invoice_pdf = EVIDENCE_PDF + f"%invoice {number}".encode()
        steps = [
            (enterprise, f"{path}/documents/", {"data": {"kind": "contract"},
             "files": {"file": ("contract.pdf", EVIDENCE_PDF, "application/pdf")}}),
            (provider_user, f"{path}/documents/", {"data": {
                "kind": "invoice", "invoice_code": "", "invoice_number": number},
             "files": {"file": ("invoice.pdf", invoice_pdf, "application/pdf")}}),
            (enterprise, f"{path}/own-share/",
             {"json": {"amount": "100.00", "payment_reference": f"OWN-{order_id}"}}),
            (provider_user, f"{path}/own-share/confirm/", {}),
        ]  # fmt: skip
        return all(self.json(self.call("POST", url, user, **kw)) for user, url, kw in steps)

    def run_until(self, deadline: float):
        while time.monotonic() < deadline:
            enterprise, official, provider_user = DISTRICTS[self.random.choice(list(DISTRICTS))]
            roll = self.random.random()
            if roll < 0.5:
                self.browse()
            elif roll < 0.65:
                self.apply(enterprise)
            elif roll < 0.8:
                self.approve_application(official)
            else:
                self.order_to_claim(enterprise, provider_user, official)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def run(users: int, seconds: float, gunicorn_workers: int) -> dict:
    common.create_db(DB)
    common.flush_redis(REDIS_DB)
    common.manage(DB, "migrate", "--noinput", "-v0")
    common.manage(DB, "seed_demo", "--password", common.PASSWORD, "-v0")
    port = free_port()
    env = common.portal_env(
        DB,
        CELERY_BROKER_URL=common.redis_url(REDIS_DB),
        CONN_MAX_AGE=600,
        THROTTLE_USER="100000000/second",
        THROTTLE_ANON="100000000/second",
    )
    worker = common.start(
        "loadtest-worker",
        [
            common.PYTHON,
            "-m",
            "celery",
            "-A",
            "portal",
            # No -Q: the worker consumes the default, settlement, PDF and e-mail queues.
            "worker",
            "-B",
            "-l",
            "warning",
            "--concurrency",
            "2",
            "-s",
            str(common.LOGS / "loadtest-beat-schedule"),
        ],
        env,
    )
    web = common.start(
        "loadtest-gunicorn",
        [
            common.PYTHON,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(gunicorn_workers),
            "--log-level",
            "warning",
        ],
        env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, web)
        tokens = {}
        for names in DISTRICTS.values():
            for username in names:
                response = requests.post(
                    f"{base}/api/auth/token/",
                    json={"username": username, "password": common.PASSWORD},
                    timeout=30,
                )
                response.raise_for_status()
                tokens[username] = response.json()["token"]
        listing = requests.get(f"{base}/api/providers/?page_size=50", timeout=30).json()
        by_name = {p["name"]: p["id"] for p in listing["results"]}
        providers = {user: by_name[name] for user, name in PROVIDER_NAMES.items()}
        results = Results()
        deadline = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=VirtualUser(base, tokens, providers, results, seed).run_until,
                args=(deadline,),
            )
            for seed in range(users)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        time.sleep(3)  # let the worker drain what the last requests queued
    finally:
        common.stop(web)
        common.stop(worker)
    reconcile_ok = True
    try:
        common.manage(DB, "reconcile")
    except common.BenchError as error:
        reconcile_ok = False
        results.failures.append(f"reconcile: {error}")
    statuses = dict(sorted(results.statuses.items(), key=lambda item: str(item[0])))
    server_errors = sum(
        n for status, n in results.statuses.items() if status == "error" or int(status) >= 500
    )
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": len(results.latencies),
        "requests_per_second": round(len(results.latencies) / elapsed, 1),
        "server_errors": server_errors,
        "statuses": {str(k): v for k, v in statuses.items()},
        "p50_ms": round(1000 * statistics.median(results.latencies), 1),
        "p99_ms": round(1000 * percentile(results.latencies, 0.99), 1),
        "claims_held": common.scalar(DB, "SELECT count(*) FROM vouchers_redemption"),
        "redemptions_approved": common.scalar(
            DB, "SELECT count(*) FROM vouchers_redemption WHERE status IN ('approved', 'paid')"
        ),
        "vouchers_issued": common.scalar(DB, "SELECT count(*) FROM vouchers_voucher"),
        "reconciliation_clean": reconcile_ok,
        "failures": results.failures[:20],
    }


def _wait_until_up(base: str, process) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.3)
    raise common.BenchError(f"gunicorn did not start; see {process.log_path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    args = parser.parse_args()
    summary = run(args.users, args.seconds, args.gunicorn_workers)
    print(json.dumps(summary, indent=2))
    common.drop_db(DB)
    ok = summary["server_errors"] == 0 and summary["reconciliation_clean"]
    print("load test:", "passed" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
