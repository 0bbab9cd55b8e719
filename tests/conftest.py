"""Shared fixtures: demo-shaped data factories, and the real services (PostgreSQL, a Celery
worker on Redis) for the tests that need them.

Tests marked `postgres` or `worker` skip when the service is missing, except under CI=true,
where a missing service is a failure: CI must never pass by skipping.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "")
if TEST_BROKER_URL:
    # Celery builds its producer pool on the first .delay(), even an eager one, from the
    # broker address of that moment: give it the real one before any test runs.
    celery_app.conf.broker_url = TEST_BROKER_URL


def _missing(reason: str):
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _require_marked_services(request):
    if request.node.get_closest_marker("postgres") or request.node.get_closest_marker("worker"):
        from django.db import connection

        if connection.vendor != "postgresql":
            _missing("this test needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture(autouse=True)
def _private_media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_STORAGE_ROOT = settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tests run tasks in-process unless they ask for the real worker."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _email_locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Password hashing is deliberately slow; tests log in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def restore_reference_data():
    """Re-create the rows the data migrations make (the four districts, the seven service
    categories) when a transactional test's closing flush has emptied their tables."""
    from django.apps import apps
    from django.db import connection

    from regions.models import Region

    if Region.objects.count() == 4:
        return
    import importlib

    importlib.import_module("regions.migrations.0003_the_four_districts").create_districts(
        apps, connection.schema_editor()
    )
    importlib.import_module("providers.migrations.0003_service_categories").create_categories(
        apps, connection.schema_editor()
    )


@pytest.fixture
def password():
    return "demo-pass-2026"


@pytest.fixture
def demo(db, password):
    """The seed story of `seed_demo`, as a dict of the objects tests need."""
    from django.core.management import call_command

    from providers.models import Provider, ServiceOrder
    from regions.models import Region, User
    from vouchers.models import Enterprise, Voucher

    restore_reference_data()
    call_command("seed_demo", password=password, verbosity=0)
    users = {u.username: u for u in User.objects.all()}
    return {
        "users": users,
        "regions": {r.code: r for r in Region.objects.all()},
        "providers": {p.users.first().username: p for p in Provider.objects.all()},
        "enterprises": {e.users.first().username: e for e in Enterprise.objects.all()},
        "voucher": Voucher.objects.get(enterprise__users__username="enterprise-jiangnan"),
        "order": ServiceOrder.objects.get(enterprise__users__username="enterprise-jiangnan"),
    }


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api_as(api_client):
    """`api_as(user)` -> an APIClient authenticated with that user's token."""
    from rest_framework.authtoken.models import Token

    def login(user):
        from rest_framework.test import APIClient

        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return login


def _redis_reachable(url: str) -> bool:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def _celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` process on Redis, reading the test database."""
    if not TEST_BROKER_URL:
        _missing("TEST_CELERY_BROKER_URL is not set: no real Celery worker")
    if not _redis_reachable(TEST_BROKER_URL):
        _missing(f"Redis is not reachable at {TEST_BROKER_URL}")
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        _missing("the Celery worker tests need PostgreSQL")
    import redis

    redis.Redis.from_url(TEST_BROKER_URL).flushdb()
    database_url = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": TEST_BROKER_URL,
        "CELERY_VISIBILITY_TIMEOUT": "10",
        "MEDIA_ROOT": str(ROOT / ".pytest-media"),
        "CONN_MAX_AGE": "0",
    }
    log = open(ROOT / ".pytest-worker.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--concurrency=2",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    celery_app.conf.broker_url = TEST_BROKER_URL
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if celery_app.control.ping(timeout=1):
                break
        except Exception:
            pass
        if process.poll() is not None:
            pytest.fail("the Celery worker exited at start; see .pytest-worker.log", pytrace=False)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("the Celery worker did not answer a ping in 30 s", pytrace=False)
    yield {"process": process, "env": env}
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


@pytest.fixture
def celery_worker(_celery_worker_process, transactional_db):
    """Send tasks to the real worker for this test (its data must be committed)."""
    celery_app.conf.task_always_eager = False
    yield _celery_worker_process
    celery_app.conf.task_always_eager = True


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2):
    """Poll until `predicate()` is truthy (work done by another process); fail on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {predicate.__doc__ or predicate}")
