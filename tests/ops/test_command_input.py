"""Bad input to a management command: one clear line and a non-zero exit, never a traceback,
and nothing written."""

import os
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from portal.models import IdempotencyRecord
from tests.conftest import ROOT
from vouchers.models import Enterprise, Redemption

NOT_READY = "run `manage.py migrate` first"


def manage(*argv, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *argv],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- purge_idempotency_keys --hours ---------------------------------------------------------


@pytest.fixture
def stale_record(demo):
    return IdempotencyRecord.objects.create(
        user=demo["users"]["enterprise-jiangnan"],
        key="stale",
        method="POST",
        path="/api/x/",
        request_hash="0" * 64,
        response_status=201,
        response_body={"text": "{}"},
        created_at=timezone.now() - timedelta(days=400),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("hours", ["99999999999999999999", "1e300", "inf", "-inf", "nan", "87661"])
def test_purge_refuses_hours_that_are_not_finite_or_too_large(stale_record, hours):
    with pytest.raises(
        CommandError, match=re.escape("--hours must be a number from 24 to 87660 (ten years).")
    ):
        call_command("purge_idempotency_keys", f"--hours={hours}")
    assert IdempotencyRecord.objects.filter(pk=stale_record.pk).exists()


@pytest.mark.django_db
def test_purge_takes_the_largest_age(stale_record):
    call_command("purge_idempotency_keys", "--hours=87660", verbosity=0)
    assert IdempotencyRecord.objects.filter(pk=stale_record.pk).exists()
    call_command("purge_idempotency_keys", "--hours=24", verbosity=0)
    assert not IdempotencyRecord.objects.filter(pk=stale_record.pk).exists()


# --- relay_outbox --limit --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("limit", ["-1", "0", "100001", "99999999999999999999"])
def test_relay_refuses_a_limit_out_of_range(demo, limit):
    with pytest.raises(
        CommandError, match=re.escape("--limit must be a whole number from 1 to 100000.")
    ):
        call_command("relay_outbox", f"--limit={limit}")


@pytest.mark.django_db
def test_relay_refuses_a_limit_that_is_not_a_number(demo):
    with pytest.raises(CommandError, match="invalid int value: 'abc'"):
        call_command("relay_outbox", "--limit=abc")


@pytest.mark.django_db
def test_relay_takes_the_largest_limit(demo, capsys):
    call_command("relay_outbox", "--limit=100000")
    assert "0 failed." in capsys.readouterr().out


# --- seed_load --amount ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("abc", "Enter an amount in yuan, like 1500.00."),
        ("NaN", "Enter an amount in yuan, like 1500.00."),
        ("Infinity", "Enter an amount in yuan, like 1500.00."),
        ("1e3", "Enter an amount in yuan, like 1500.00."),
        ("-5", "The amount must be more than zero."),
        ("0", "The amount must be more than zero."),
        ("10.005", "Amounts have at most two decimal places."),
        ("1000000000000", "The amount is too large."),
    ],
)
def test_seed_load_reads_the_amount_as_every_form_does(demo, amount, reason):
    enterprises = Enterprise.objects.count()
    with pytest.raises(CommandError, match=re.escape(f"--amount {amount}: {reason}")):
        call_command("seed_load", f"--amount={amount}", "--redemptions=4", verbosity=0)
    assert Enterprise.objects.count() == enterprises


@pytest.mark.django_db
def test_seed_load_takes_a_plain_amount(demo):
    before = set(Redemption.objects.values_list("pk", flat=True))
    call_command(
        "seed_load",
        "--amount=10.50",
        "--enterprises=4",
        "--vouchers=4",
        "--redemptions=8",
        "--demands=0",
        verbosity=0,
    )
    amounts = set(Redemption.objects.exclude(pk__in=before).values_list("amount", flat=True))
    # Some redemptions are for half the amount (seed_load's `half_when`).
    assert amounts == {Decimal("10.50"), Decimal("5.25")}


@pytest.mark.django_db
@pytest.mark.parametrize("option", ["--enterprises", "--vouchers", "--redemptions"])
@pytest.mark.parametrize("count", ["0", "10000001", "99999999999999999999"])
def test_seed_load_refuses_counts_out_of_range(demo, option, count):
    with pytest.raises(
        CommandError,
        match=re.escape("--enterprises, --vouchers and --redemptions must be from 1 to 10000000."),
    ):
        call_command("seed_load", f"{option}={count}", verbosity=0)


# --- an unmigrated database ------------------------------------------------------------------

COMMANDS = [
    ["reconcile"],
    ["audit_verify"],
    ["seed_demo", "--password", "a-long-demo-password"],
    ["purge_idempotency_keys"],
    ["send_claim_notices"],
    ["relay_outbox"],
    ["seed_load"],
    ["load_districts"],
    ["create_operator", "--username", "ops", "--email", "ops@voucher.example"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: argv[0])
def test_an_empty_database_is_refused_with_the_fix(tmp_path, argv):
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    result = manage(*argv, DATABASE_URL=f"sqlite:///{empty}", OPERATOR_PASSWORD="a-long-passphrase")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(
        r"^CommandError: The database is not ready \(\d+ migrations not applied\): "
        + re.escape(NOT_READY + ".")
        + "$",
        result.stderr,
        re.MULTILINE,
    ), result.stderr
    # Nothing was written: not even the migrations' own table.
    with sqlite3.connect(empty) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == []


@pytest.mark.postgres
@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: argv[0])
def test_an_unmigrated_postgresql_database_is_refused_with_the_fix(unmigrated_database, argv):
    result = manage(*argv, DATABASE_URL=unmigrated_database, OPERATOR_PASSWORD="x" * 20)
    assert result.returncode == 1, result.stdout + result.stderr
    assert NOT_READY in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_one_migration_not_applied_is_refused_before_anything_runs(demo):
    recorder = MigrationRecorder(connection)
    last = recorder.migration_qs.filter(app="regions").order_by("-applied", "-id").first()
    recorder.migration_qs.filter(pk=last.pk).delete()
    with pytest.raises(
        CommandError,
        match=re.escape(f"The database is not ready (1 migration not applied): {NOT_READY}."),
    ):
        call_command("reconcile")


@pytest.mark.parametrize(
    "url",
    ["sqlite:///{tmp}/missing/db.sqlite3", "postgres://postgres@127.0.0.1:1/nowhere"],
)
def test_a_database_that_cannot_be_reached_is_refused_with_the_reason(tmp_path, url):
    """It said "run migrate first", and migrate then answered with a traceback."""
    result = manage("reconcile", DATABASE_URL=url.format(tmp=tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "The database cannot be reached (" in result.stderr
    assert "check DATABASE_URL" in result.stderr and NOT_READY not in result.stderr


@pytest.mark.parametrize("command", [["seed_demo", "--password", "a-long-pass"], ["seed_load"]])
def test_demo_and_load_data_are_refused_in_production(tmp_path, command):
    result = manage(
        *command,
        PRODUCTION="true",
        DEBUG="false",
        SECRET_KEY="p" * 64,
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "PRODUCTION is on: demo and load data are not written" in result.stderr
    assert not (tmp_path / "db.sqlite3").exists() or (tmp_path / "db.sqlite3").stat().st_size == 0


# --- DATABASE_URL ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["notaurl", "http://db.example/portal", "postgres://portal:s3cret-pw@db:port/portal"]
)
def test_a_database_url_that_is_not_one_names_the_setting(url):
    result = manage("check", DATABASE_URL=url)
    assert result.returncode != 0
    # manage.py prints a setting's error as one sentence, without a traceback.
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "manage.py: DATABASE_URL is not a database address "
        "the portal can use: write postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:///PATH "
        "(sqlite:////ABSOLUTE/PATH); a / # ? or % in the user name or password must be "
        "percent-encoded (%2F, %23, %3F, %25)."
    )
    assert "UnknownSchemeError" not in result.stderr
    assert "ParseError" not in result.stderr
    assert "s3cret-pw" not in result.stderr
