"""PostgreSQL connections dropped under traffic: every request succeeds or answers 503 with
Retry-After, and nothing is half-written (reconciliation is clean afterwards)."""

import threading
import time

import psycopg
import pytest
import requests
from django.db import connection
from django.test import Client

# The flush after a transactional test would drop the rows of the data migrations.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _admin_connection():
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname="postgres",
        autocommit=True,
    )


def _terminate_backends(admin, *, spare: set[int]) -> int:
    rows = admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> ALL(%s)",
        [connection.settings_dict["NAME"], list(spare)],
    ).fetchall()
    return len(rows)


def test_it_answers_503_with_retry_after_when_its_connection_is_gone(demo):
    client = Client(raise_request_exception=False)
    client.force_login(demo["users"]["official-wujin"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with _admin_connection() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    api = client.get("/api/vouchers/")
    assert api.status_code == 503
    assert api["Retry-After"] == "5"
    assert api.json()["code"] == "service_unavailable"
    page = client.get("/official/applications/")
    assert page.status_code == 503
    assert b"try again" in page.content

    connection.close()
    assert client.get("/api/vouchers/").status_code == 200


def test_it_never_half_writes_when_connections_drop_under_load(demo, live_server):
    from rest_framework.authtoken.models import Token

    from regions.services import reconciliation_run
    from vouchers.models import Voucher, VoucherApplication

    tokens = {
        name: Token.objects.get_or_create(user=demo["users"][name])[0].key
        for name in ("enterprise-yangpu", "official-yangpu", "enterprise-hefei", "official-hefei")
    }
    statuses: list[int] = []
    missing_retry_after: list[str] = []
    stop = threading.Event()

    def call(method, path, user, **kwargs):
        response = requests.request(
            method,
            live_server.url + path,
            headers={"Authorization": f"Token {tokens[user]}"},
            timeout=30,
            **kwargs,
        )
        statuses.append(response.status_code)
        if response.status_code == 503 and "Retry-After" not in response.headers:
            missing_retry_after.append(path)
        return response

    def people_of(enterprise, official):
        while not stop.is_set():
            call(
                "POST",
                "/api/voucher-applications/",
                enterprise,
                json={"requested_amount": "1000.00", "purpose": "Pilot line test"},
            )
            listed = call("GET", "/api/voucher-applications/?status=submitted", official)
            if listed.status_code == 200:
                for application in listed.json()["results"][:2]:
                    call(
                        "POST",
                        f"/api/voucher-applications/{application['id']}/approve/",
                        official,
                        json={"approved_amount": application["requested_amount"]},
                    )

    people = [
        threading.Thread(target=people_of, args=("enterprise-yangpu", "official-yangpu")),
        threading.Thread(target=people_of, args=("enterprise-hefei", "official-hefei")),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]
    terminated = 0
    with _admin_connection() as admin:
        spare = {own_pid, admin.info.backend_pid}
        for person in people:
            person.start()
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            time.sleep(0.4)
            terminated += _terminate_backends(admin, spare=spare)
        stop.set()
        for person in people:
            person.join()

    assert terminated > 0
    assert 503 in statuses, "no request met a dropped connection: the test proved nothing"
    assert {200, 201} & set(statuses), "no request succeeded between the drops"
    assert [s for s in statuses if s >= 500 and s != 503] == []
    assert missing_retry_after == []
    approved = VoucherApplication.objects.filter(status=VoucherApplication.Status.APPROVED)
    assert Voucher.objects.filter(application__in=approved).count() == approved.count()
    report = reconciliation_run()
    assert report.ok, report.breaches
