"""Shared fixtures: demo-shaped data factories, and the real services (PostgreSQL, a Celery
worker on Redis) for the tests that need them.

Tests marked `postgres` or `worker` skip when the service is missing, except under CI=true,
where a missing service is a failure: CI must never pass by skipping.
"""

import os
import shutil
import signal
import socket
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
    """Each test writes files to a folder of its own, which starts with the demo's files."""
    media = tmp_path / "media"
    if _demo_snapshot:
        shutil.copytree(_demo_snapshot["media"], media)
    settings.MEDIA_ROOT = media
    settings.PRIVATE_STORAGE_ROOT = media


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tests run tasks in-process unless they ask for the real worker."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _fresh_cache():
    """What the portal counts in the cache (reset mails an address got, throttle windows)
    starts at zero in each test: the tests' cache is each process's memory (no CACHE_URL)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _email_locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = FAST_HASHERS


DEMO_PASSWORD = "demo-pass-2026"
# Password hashing is deliberately slow; tests log in hundreds of times.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Filled once per session (per xdist worker) by `django_db_setup`: the database as migrations
# and `seed_demo` left it, serialized, and the media folder the seed wrote its files to.
_demo_snapshot: dict = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed the demo once per session into the test database and commit it.

    Tests on `db` run in a transaction that is rolled back, so they all start from the seeded
    demo. Transactional tests (`transaction=True`, live server, real worker) end with a flush;
    `pytest_runtest_teardown` loads the snapshot taken here back in after them, so that they
    too start from the demo (Django's serialized rollback at their start then only re-saves
    the rows the migrations made, which are already there)."""
    from django.core.management import call_command
    from django.db import connections
    from django.test import override_settings

    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=FAST_HASHERS,
            MEDIA_ROOT=media,
            PRIVATE_STORAGE_ROOT=media,
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        ),
    ):
        celery_app.conf.task_always_eager = True
        call_command("seed_demo", password=DEMO_PASSWORD, verbosity=0)
        snapshot = connections["default"].creation.serialize_db_to_string()
    _demo_snapshot.update(data=snapshot, media=media, blocker=django_db_blocker)


def _flushes_database(item) -> bool:
    names = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    return (
        "transactional_db" in names
        or "live_server" in names
        or bool(marker and marker.kwargs.get("transaction"))
    )


def restore_demo() -> None:
    """Empty the database and load the session's snapshot (migrations' rows and the demo).

    The snapshot's rows keep their ids, so the sequences are moved past them afterwards."""
    from django.apps import apps
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connections, transaction

    connection = connections["default"]
    with _demo_snapshot["blocker"].unblock():
        call_command(
            "flush",
            verbosity=0,
            interactive=False,
            inhibit_post_migrate=True,
            reset_sequences=False,
        )
        connection.creation.deserialize_db_from_string(_demo_snapshot["data"])
        # The snapshot's JSON keeps times to the millisecond (DjangoJSONEncoder), while the
        # statistics summary holds waits to the microsecond: derive it again from the rows
        # as loaded, or reconciliation would see the lost microseconds as a breach.
        from regions.statistics_summary import district_summary_rebuild

        with transaction.atomic():
            district_summary_rebuild()
        statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        # After the last test the test database is already gone.
        if _demo_snapshot and nextitem is not None and _flushes_database(item):
            restore_demo()


@pytest.fixture
def password():
    return DEMO_PASSWORD


@pytest.fixture
def demo(db):
    """The seed story of `seed_demo` (committed once per session), as a dict of the objects
    tests need."""
    from providers.models import Provider, ServiceOrder
    from regions.models import Region, User
    from vouchers.models import Enterprise, Voucher

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
def users(demo):
    """The demo's people by user name."""
    return demo["users"]


@pytest.fixture
def sit(demo):
    """The Shanghai Institute of Technology: the demo's certified provider in Yangpu."""
    return demo["providers"]["provider-sit"]


@pytest.fixture
def yangpu(demo):
    """Yangpu's official, who approves and pays the claims of Yangpu's providers."""
    return demo["users"]["official-yangpu"]


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
    # Under pytest-xdist every test process has its own database and its own worker; a queue
    # per process (and per run, so that messages a killed worker left behind reach nobody)
    # keeps one process's worker from taking another's tasks off the shared Redis database.
    process_name = os.environ.get("PYTEST_XDIST_WORKER", "main")
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:12]
    queue = f"test-{run}-{process_name}"
    node = f"test-{process_name}-{os.getpid()}@{socket.gethostname()}"
    database_url = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": TEST_BROKER_URL,
        "CELERY_VISIBILITY_TIMEOUT": "10",
        "MEDIA_ROOT": str(ROOT / ".pytest-media" / process_name),
        "CONN_MAX_AGE": "0",
        # The worker consumes this queue and the settlement, PDF and e-mail queues named
        # after it (no -Q: every queue of portal.settings.CELERY_TASK_QUEUES).
        "CELERY_DEFAULT_QUEUE": queue,
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
            node,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    celery_app.conf.broker_url = TEST_BROKER_URL
    celery_app.conf.task_default_queue = queue
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if celery_app.control.ping(destination=[node], timeout=1):
                break
        except Exception:
            pass
        if process.poll() is not None:
            pytest.fail("the Celery worker exited at start; see .pytest-worker.log", pytrace=False)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("the Celery worker did not answer a ping in 30 s", pytrace=False)
    yield {"process": process, "env": env, "queue": queue}
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()
    import redis

    broker = redis.Redis.from_url(TEST_BROKER_URL)
    for key in broker.scan_iter(match=f"{queue}*"):
        broker.delete(key)


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
