"""First run from the command line: the four districts, and the operator's account."""

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from regions.models import AuditEntry, Region, User
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_operator(demo):
    """A database as after migrate and load_districts: the demo's operator is not one."""
    User.objects.filter(role=User.Role.OPERATOR).update(role=User.Role.ENTERPRISE)


def test_creates_the_operator_once(no_operator, monkeypatch, capsys):
    monkeypatch.setenv("OPERATOR_PASSWORD", "a-long-operator-passphrase")
    call_command("create_operator", username="ops-admin", email="ops@voucher.example")
    operator = User.objects.get(username="ops-admin")
    assert operator.role == User.Role.OPERATOR
    assert operator.is_operator and operator.is_staff and not operator.is_superuser
    assert operator.email == "ops@voucher.example"
    assert operator.check_password("a-long-operator-passphrase")
    assert AuditEntry.objects.filter(
        object_type="regions.user", object_id=str(operator.pk), action="create"
    ).exists()
    assert "Operator ops-admin created" in capsys.readouterr().out

    # Safe on every deploy: a second run (even another name) changes nothing.
    call_command("create_operator", username="someone-else", email="else@voucher.example")
    assert "exists already (ops-admin); nothing done" in capsys.readouterr().out
    assert User.objects.filter(role=User.Role.OPERATOR).count() == 1

    # ... but a name or an address that could never be one is still refused, not "nothing done".
    with pytest.raises(CommandError, match="letters, digits"):
        call_command("create_operator", username="bad name!", email="else@voucher.example")
    with pytest.raises(CommandError, match="not an e-mail address"):
        call_command("create_operator", username="someone-else", email="x")


@pytest.mark.parametrize(
    ("username", "email", "password", "reason"),
    [
        ("ops-admin", "ops@voucher.example", "short", "too short"),
        ("ops-admin", "ops@voucher.example", "password123", "too common"),
        ("ops-admin", "not-an-address", "a-long-operator-passphrase", "not an e-mail address"),
        ("official-wujin", "ops@voucher.example", "a-long-operator-passphrase", "is taken"),
        ("  ", "ops@voucher.example", "a-long-operator-passphrase", "username is empty"),
        ("OFFICIAL-WUJIN", "ops@voucher.example", "a-long-operator-passphrase", "is taken"),
        ("op 2!", "ops@voucher.example", "a-long-operator-passphrase", "letters, digits"),
        ("x" * 151, "ops@voucher.example", "a-long-operator-passphrase", "letters, digits"),
    ],
)
def test_bad_input_is_refused_with_the_reason(
    no_operator, monkeypatch, username, email, password, reason
):
    monkeypatch.setenv("OPERATOR_PASSWORD", password)
    with pytest.raises(CommandError, match=reason) as refused:
        call_command("create_operator", username=username, email=email)
    assert str(refused.value).startswith("No operator created: ")
    assert not User.objects.filter(role=User.Role.OPERATOR).exists()


def test_no_password_and_no_terminal_is_refused(no_operator, monkeypatch):
    monkeypatch.delenv("OPERATOR_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="set OPERATOR_PASSWORD"):
        call_command("create_operator", username="ops-admin", email="ops@voucher.example")
    assert not User.objects.filter(role=User.Role.OPERATOR).exists()


def test_load_districts_puts_back_the_four(demo, capsys):
    Region.objects.filter(code="NANHU").update(name="Renamed by mistake")
    call_command("load_districts")
    out = capsys.readouterr().out
    assert "The four districts are loaded (0 new)." in out
    assert sorted(Region.objects.values_list("code", flat=True)) == [
        "HEFEI_HT",
        "NANHU",
        "WUJIN",
        "YANGPU",
    ]
    assert Region.objects.get(code="NANHU").name == "Nanhu District"


def test_load_districts_creates_a_missing_one_and_refuses_a_clash(demo):
    # A district row whose code was changed holds the short code "YP": a new YANGPU row
    # would clash with it, which the command says instead of failing with a traceback.
    Region.objects.filter(code="YANGPU").update(code="YANGPU_OLD")
    with pytest.raises(CommandError, match="short code is used by another district"):
        call_command("load_districts")
    Region.objects.filter(code="YANGPU_OLD").update(short_code="Y0")
    call_command("load_districts")
    assert Region.objects.get(code="YANGPU").short_code == "YP"


@pytest.mark.postgres
@pytest.mark.parametrize(
    "argv",
    [["load_districts"], ["create_operator", "--username", "ops", "--email", "ops@x.example"]],
)
def test_an_unmigrated_database_exits_non_zero_with_the_fix(unmigrated_database, argv):
    env = {**os.environ, "DATABASE_URL": unmigrated_database, "OPERATOR_PASSWORD": "x" * 20}
    result = subprocess.run(
        [sys.executable, "manage.py", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "run `manage.py migrate` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_argument_exits_non_zero():
    result = subprocess.run(
        [sys.executable, "manage.py", "create_operator", "--username", "ops"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "--email" in result.stderr
