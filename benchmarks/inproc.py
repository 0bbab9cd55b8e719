"""The in-process parts of the benchmarks: Django on the database of DATABASE_URL.

    python -m benchmarks.inproc <command> < parameters.json

prints one JSON line. Run by benchmarks/run.py in a fresh process per database.
"""

import json
import statistics
import sys
import threading
import time
from decimal import Decimal

import django

django.setup()

from django.db import connection, connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from regions.models import User  # noqa: E402

COMMANDS = {}


def command(function):
    COMMANDS[function.__name__.replace("_", "-")] = function
    return function


def timed_get(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url, **headers)
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return elapsed, len(queries.captured_queries), response


# --- settlement --------------------------------------------------------------------------


@command
def settle_start(params):
    """Open a batch as the operator's button does: the task is queued to the broker."""
    from regions.settlement.services import settlement_batch_create

    batch = settlement_batch_create(actor=User.objects.get(username="operator"))
    return {"batch": batch.pk}


@command
def reconcile(params):
    from regions.dashboards import flow_summary_breaches
    from regions.services import reconciliation_run

    report = reconciliation_run()
    summary = flow_summary_breaches()
    return {"ok": report.ok and not summary, "breaches": report.breaches[:5] + summary[:5]}


# --- API ---------------------------------------------------------------------------------


@command
def api_check(params):
    """A token for the district official, the queries per request at two page sizes, and
    that the floor view answers the very rows the API does."""
    from rest_framework.authtoken.models import Token

    from vouchers.models import Voucher

    user = User.objects.get(username=params.get("username", "official-wujin"))
    token, _ = Token.objects.get_or_create(user=user)
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    queries = {}
    for size in (10, 50):
        url = f"/api/vouchers/?issuing_region=WUJIN&status=active&page_size={size}"
        timed_get(client, url, **auth)  # warm
        _, count, response = timed_get(client, url, **auth)
        body = response.json()
        if len(body["results"]) != min(size, body["count"]):
            raise SystemExit(f"page_size={size} answered {len(body['results'])} rows")
        queries[size] = count
        serials = [row["serial"] for row in body["results"]]
    with override_settings(ROOT_URLCONF="benchmarks.floor_urls"):
        floor_url = "/bench/floor/vouchers/?issuing_region=WUJIN&status=active&page_size=50"
        timed_get(client, floor_url)  # warm (the district's id is looked up once)
        _, floor_queries, response = timed_get(client, floor_url)
    floor_serials = [row["serial"] for row in response.json()["results"]]
    return {
        "token": token.key,
        "queries_10": queries[10],
        "queries_50": queries[50],
        "floor_queries": floor_queries,
        "same_rows": serials == floor_serials,
        # The API's count stops at its cap (count_exact false); the label wants the true one.
        "count": Voucher.objects.filter(
            issuing_region__code="WUJIN", status=Voucher.Status.ACTIVE
        ).count(),
    }


# --- claims ------------------------------------------------------------------------------


def bulk_paperwork(cursor, order_ids: list[int]) -> None:
    """What a claim needs besides a confirmed order (the rules' `requires_own_share`): a
    contract and an invoice row and a confirmed own share per order, inserted in bulk. The
    rows name no stored file: the benchmark measures claims, not uploads."""
    import secrets

    run = secrets.token_hex(4).upper()
    cursor.execute("SELECT id FROM regions_user ORDER BY id LIMIT 1")
    user_id = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO providers_orderdocument (service_order_id, kind, file, original_name,"
        " content_type, size, sha256, invoice_code, invoice_number, uploaded_by_id,"
        " uploaded_at) SELECT o.id, k.kind, '', 'bench.pdf', 'application/pdf', 1,"
        " repeat('0', 64), '', CASE WHEN k.kind = 'invoice' THEN %s || o.id ELSE '' END,"
        " %s, now() FROM providers_serviceorder o"
        " CROSS JOIN (VALUES ('contract'), ('invoice')) AS k(kind) WHERE o.id = ANY(%s)",
        [f"BENCH{run}N", user_id, order_ids],
    )
    cursor.execute(
        "INSERT INTO providers_ownsharepayment (service_order_id, amount, payment_reference,"
        " recorded_by_id, recorded_at, confirmed_by_id, confirmed_at)"
        " SELECT o.id, GREATEST(ROUND(o.contract_amount / 2, 2), 0.01), 'BENCH-' || o.id,"
        " %s, now(), %s, now() FROM providers_serviceorder o WHERE o.id = ANY(%s)",
        [user_id, user_id, order_ids],
    )


@command
def claims_setup(params):
    """Confirmed orders to claim: `distinct` orders, one per active voucher, and `single`
    orders on one more voucher. Returns their ids, vouchers and amounts."""
    from providers.models import Provider

    distinct, single = params["distinct"], params["single"]
    providers = list(Provider.objects.filter(status="certified").order_by("region_id"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, enterprise_id, balance FROM vouchers_voucher WHERE status = 'active'"
            " AND held = 0 AND balance > 0 ORDER BY id LIMIT %s",
            [distinct + 1],
        )
        vouchers = cursor.fetchall()
    if len(vouchers) < distinct + 1:
        raise SystemExit("not enough active vouchers for the claims benchmark")
    rows = []
    for i, (voucher_id, enterprise_id, balance) in enumerate(vouchers[:distinct]):
        rows.append(
            (
                voucher_id,
                enterprise_id,
                providers[i % len(providers)].pk,
                (balance / 4).quantize(Decimal("0.01")),
            )
        )
    voucher_id, enterprise_id, balance = vouchers[distinct]
    # Claims on the one voucher ask for twice its balance in all: exactly half must succeed.
    each = (balance * 2 / single).quantize(Decimal("0.01"))
    if each * (single // 2) != balance:
        raise SystemExit(f"choose `single` so that {balance} * 2 / single is whole cents")
    for i in range(single):
        rows.append((voucher_id, enterprise_id, providers[i % len(providers)].pk, each))
    with transaction.atomic(), connection.cursor() as cursor:
        ids = []
        for n, (voucher_id, enterprise_id, provider_id, amount) in enumerate(rows):
            cursor.execute(
                "INSERT INTO providers_serviceorder (enterprise_id, provider_id, voucher_id,"
                " title, description, contract_amount, status, requested_at, accepted_at,"
                " completed_at, confirmed_at, completion_summary, deliverables, dispute_reason,"
                " status_reason) VALUES (%s, %s, %s, %s, '', %s, 'confirmed', now(), now(),"
                " now(), now(), 'Bench', '', '', '') RETURNING id",
                [enterprise_id, provider_id, voucher_id, f"bench-claim-{n}", amount * 4],
            )
            ids.append(cursor.fetchone()[0])
        bulk_paperwork(cursor, ids)
    plan = [
        {"order": order, "voucher": row[0], "provider": row[2], "amount": str(row[3])}
        for order, row in zip(ids, rows, strict=True)
    ]
    return {"distinct": plan[:distinct], "single": plan[distinct:], "single_balance": str(balance)}


@command
def provider_tokens(params):
    """An API token per provider (by provider id) for the claims over HTTP."""
    from rest_framework.authtoken.models import Token

    tokens = {}
    for user in User.objects.filter(role="provider", is_active=True, provider__isnull=False):
        tokens[str(user.provider_id)] = Token.objects.get_or_create(user=user)[0].key
    return tokens


def _run_threads(work, threads: int) -> float:
    barrier = threading.Barrier(threads + 1)

    def run(index):
        barrier.wait()
        try:
            work(index)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    return time.perf_counter() - started


@command
def claims_run(params):
    """`threads` threads call `redemption_claim`, each with its own connection, over their
    share of the planned orders. Expected refusals (409) are counted apart from errors."""
    from portal.errors import ApplicationError
    from vouchers.services import redemption_claim

    plan, threads = params["plan"], params["threads"]
    actors = {u.provider_id: u for u in User.objects.filter(role="provider", is_active=True)}
    counts = {"ok": 0, "refused": 0, "errors": 0}
    refusals, errors = {}, []
    lock = threading.Lock()

    def work(index):
        for item in plan[index::threads]:
            try:
                redemption_claim(
                    service_order_id=item["order"],
                    amount=item["amount"],
                    actor=actors[item["provider"]],
                )
                outcome = "ok"
            except ApplicationError as error:
                outcome = "refused" if error.status == 409 else "errors"
                with lock:
                    refusals[type(error).__name__] = refusals.get(type(error).__name__, 0) + 1
            except Exception as error:  # a deadlock, a 500: what the benchmark looks for
                outcome = "errors"
                with lock:
                    errors.append(f"{type(error).__name__}: {error}"[:300])
            with lock:
                counts[outcome] += 1

    seconds = _run_threads(work, threads)
    return {"seconds": seconds, **counts, "refusals": refusals, "error_samples": errors[:5]}


@command
def claims_check(params):
    """Balances afterwards: each distinct voucher holds its one claim; the single voucher
    is exhausted with exactly half the claims held."""
    from vouchers.models import Redemption, Voucher

    problems = []
    for item in params["distinct"]:
        voucher = Voucher.objects.get(pk=item["voucher"])
        amount = Decimal(item["amount"])
        if voucher.held != amount or voucher.balance != voucher.face_value - amount:
            problems.append(f"voucher {voucher.serial}: held {voucher.held}, not {amount}")
    single = params["single"]
    if single:
        voucher = Voucher.objects.get(pk=single[0]["voucher"])
        live = Redemption.objects.filter(voucher=voucher, status="pending").count()
        if voucher.balance != 0 or voucher.held != Decimal(params["single_balance"]):
            problems.append(f"one voucher: balance {voucher.balance}, held {voucher.held}")
        if live != len(single) // 2:
            problems.append(f"one voucher: {live} claims held, not {len(single) // 2}")
    return {"ok": not problems, "problems": problems[:5]}


@command
def mixed_setup(params):
    """What the mixed run's clients need: confirmed orders with their paperwork to claim
    (`claims` for the floor phase and as many for the portal's), enterprise users of the
    Wujin district with tokens (they apply), `approvals` submitted applications there (its
    official approves them), the official's token and a signed-in session (dashboard)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import F
    from rest_framework.authtoken.models import Token

    from regions.models import ProgrammeRules
    from vouchers.models import Enterprise
    from vouchers.services import application_submit

    claims = params["claims"]
    plan = claims_setup({"distinct": 2 * claims, "single": 2})["distinct"]
    official = User.objects.get(username="official-wujin")
    session = SessionStore()
    session[SESSION_KEY] = str(official.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = official.get_session_auth_hash()
    session.create()
    enterprises = list(
        Enterprise.objects.filter(region=official.region, verified_at__isnull=False)
        .exclude(users__isnull=False)
        .order_by("id")[: params["enterprises"]]
    )
    # The seeded vouchers spent the district's budget: room for every approval, so that the
    # run measures approvals that issue vouchers, not refusals of an empty budget.
    ProgrammeRules.objects.filter(region=official.region).update(
        annual_budget=F("committed") + 1000 * params["approvals"] + 1000
    )
    tokens, applications = [], []
    for index, enterprise in enumerate(enterprises):
        user = User.objects.create_user(
            username=f"bench-enterprise-{enterprise.pk}",
            password=None,
            role=User.Role.ENTERPRISE,
            region=enterprise.region,
            enterprise=enterprise,
        )
        tokens.append(Token.objects.create(user=user).key)
        if index < params["approvals"]:
            application = application_submit(
                enterprise=enterprise,
                requested_amount="1000.00",
                purpose="Bench: materials testing",
                actor=user,
            )
            applications.append(application.pk)
    return {
        "floor_claims": plan[:claims],
        "claims": plan[claims:],
        "provider_tokens": provider_tokens({}),
        "official_token": Token.objects.get_or_create(user=official)[0].key,
        "official_session": session.session_key,
        "enterprise_tokens": tokens,
        "applications": applications,
    }


# --- pages -------------------------------------------------------------------------------

# What providers type into the demand search (benchmark data: regions/management/commands/
# _load_demands.py): a subject in English and in Chinese, a two-character Chinese word (too
# short for a trigram: the index cannot narrow it), two words, and the list unfiltered.
DEMAND_SEARCHES = ["graphene", "石墨烯", "检测", "dispersion stability", ""]


def _measure(client, urls, renders, warmup, before=None) -> dict:
    """p50 and max over `renders` renders of each url after `warmup`, and the set of query
    counts; `before` runs ahead of each render (outside the timing)."""
    times, counts = [], set()
    for url in urls:
        for index in range(warmup + renders):
            if before:
                before()
            elapsed, count, _response = timed_get(client, url)
            if index >= warmup:
                times.append(elapsed)
                counts.add(count)
    return {
        "p50_ms": statistics.median(times) * 1000,
        "max_ms": max(times) * 1000,
        "queries": sorted(counts),
    }


@command
def pages(params):
    """p50 render time and queries of each dashboard, the open statistics, the demand search,
    and of the bare page floor, over `renders` renders after `warmup`, with the test Client in
    this process."""
    from urllib.parse import urlencode

    from django.core.cache import cache

    from providers.models import Demand

    renders, warmup = params.get("renders", 20), params.get("warmup", 3)
    result = {}
    with override_settings(ROOT_URLCONF="benchmarks.floor_urls"):
        floor = [reverse("bench-floor-page")]
        for name, username in [("official", "official-wujin"), ("operator", "operator")]:
            client = Client()
            client.force_login(User.objects.get(username=username))
            result[name] = _measure(client, [reverse(f"{name}-dashboard")], renders, warmup)
            result[f"{name}_floor"] = _measure(client, floor, renders, warmup)
        # The open statistics, anonymous, computed at each render (the cache emptied first):
        # what a reader meets after any change of a figure.
        client = Client()
        url = reverse("statistics") + "?region=WUJIN"
        result["statistics"] = _measure(client, [url], renders, warmup, before=cache.clear)
        client.force_login(User.objects.get(username="operator"))  # the floor page's login
        result["statistics_floor"] = _measure(client, floor, renders, warmup, before=cache.clear)
        # The demand search as a certified provider sees it: the page and the API (first page).
        client = Client()
        client.force_login(User.objects.get(username="provider-graphene"))
        searches = [urlencode({"q": q}) for q in DEMAND_SEARCHES]
        for label, path in [("demand_search", "demand-list"), ("demand_api", "api-demand-list")]:
            urls = [f"{reverse(path)}?{query}" for query in searches]
            result[label] = _measure(client, urls, renders, warmup)
            result[label]["each"] = {
                q: _measure(client, [url], max(renders // 4, 1), 1)["p50_ms"]
                for q, url in zip(DEMAND_SEARCHES, urls, strict=True)
            }
        result["demand_search_floor"] = _measure(client, floor, renders, warmup)
        result["demands"] = Demand.objects.count()
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for _ in range(renders):
            cursor.execute("SELECT 1")
        result["select1_ms"] = (time.perf_counter() - started) / renders * 1000
    return result


def main():
    name = sys.argv[1]
    params = json.loads(sys.stdin.read() or "{}")
    print(json.dumps(COMMANDS[name](params), default=str))


if __name__ == "__main__":
    main()
