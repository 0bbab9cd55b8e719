"""Real-browser tests: the system Chromium driven by Playwright against Django's live server.

Helpers for every page test (import them: `from tests.browser.conftest import ...`):
- `check_page(page, name)`: a full-page screenshot and the axe-core accessibility check.
- `shot(page, name)`: saves `.ci/artifacts/screenshots/<test>-<name>-<lang>.png`.
  (`assert_accessible` also writes every axe finding to `.ci/artifacts/axe/`, same names.)
- `assert_accessible(page, name)`: no `serious` or `critical` axe-core violation on the page.
- `log_in(page, base_url, username, password)`: through the login form.
- `tab_to(page, locator)`: press Tab until the locator has the focus (keyboard-only tests).

Fixtures: `site` (the seeded demo on a live server: `site.url`, `site.demo`, `site.password`),
`page` and `new_context(locale=...)` from pytest-playwright.

Tests marked `browser` skip when Chromium or Playwright is missing, except under CI=true,
where that is a failure. Playwright is never asked to download a browser: the system
/usr/bin/chromium is launched (one browser for the whole session).
"""

import fcntl
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import IN_CI, ROOT, _missing

# The sync Playwright API keeps an asyncio loop registered on the main thread, which makes
# Django refuse ORM calls from the test ("SynchronousOnlyOperation"); nothing here is async.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SCREENSHOTS = ROOT / ".ci" / "artifacts" / "screenshots"
AXE_REPORTS = ROOT / ".ci" / "artifacts" / "axe"
BLOCKING_IMPACTS = {"serious", "critical"}
# The plugin is loaded (or not: `-p no:playwright`) before any conftest is imported.
HAVE_PLAYWRIGHT = "pytest_playwright.pytest_playwright" in sys.modules


def _browser_missing() -> str | None:
    if not HAVE_PLAYWRIGHT:
        return (
            "the pytest-playwright plugin is not installed or not loaded (pip install -e '.[dev]')"
        )
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium fonts-wqy-microhei)"
    return None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the browser tests last: they flush the database (live server, committed data) and
    keep Playwright's event loop on the main thread, neither of which other tests expect."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _require_browser(request):
    if request.node.get_closest_marker("browser"):
        reason = _browser_missing()
        if reason:
            _missing(reason)


if HAVE_PLAYWRIGHT:
    from playwright.sync_api import expect

    @pytest.fixture(scope="session")
    def browser_type_launch_args(browser_type_launch_args):
        reason = _browser_missing()
        if reason:
            _missing(reason)
        return {
            **browser_type_launch_args,
            "executable_path": str(CHROMIUM),
            "args": CHROMIUM_ARGS,
        }

    @pytest.fixture(scope="session")
    def browser_context_args(browser_context_args):
        # English unless a test asks otherwise: the browser's own locale must not decide.
        return {
            **browser_context_args,
            "locale": "en-GB",
            "viewport": {"width": 1280, "height": 900},
        }

    @pytest.fixture
    def new_context(new_context):
        """Every context gets axe-core as an init script: compiled once, present on each page
        from the start, instead of sending 650 kB to every page `assert_accessible` checks."""

        def make(**kwargs):
            context = new_context(**kwargs)
            context.add_init_script(path=str(AXE_JS))
            return context

        return make

else:
    expect = None

    # Without the plugin its fixtures do not exist; these stand-ins skip (or fail under CI)
    # instead of erroring with "fixture 'page' not found".

    @pytest.fixture
    def page():
        _missing(_browser_missing())

    @pytest.fixture
    def new_context():
        _missing(_browser_missing())


@dataclass
class Site:
    url: str
    demo: dict
    password: str

    def at(self, path: str) -> str:
        return self.url.rstrip("/") + path


@pytest.fixture(scope="session")
def _serialized_db(django_db_setup, django_db_blocker):
    """The database as migrations left it (districts, service categories, content types),
    serialized by Django at set-up because `site` asks for serialized rollback.

    Read before Playwright starts: once its event loop is on the main thread, asgiref hands
    the test a new connection object, which lacks Django's `_test_serialized_contents`, so
    Django's own restore at the start of each test would silently do nothing."""
    from django.db import connections

    return getattr(connections["default"], "_test_serialized_contents", None)


if HAVE_PLAYWRIGHT:

    @pytest.fixture(scope="session")
    def playwright(_serialized_db, playwright):
        return playwright


@pytest.fixture
def _migrated_data(_serialized_db, transactional_db, django_db_serialized_rollback):
    from django.db import connections

    connection = connections["default"]
    if _serialized_db and not hasattr(connection, "_test_serialized_contents"):
        # First browser test on this connection object: restore the migrations' rows and the
        # demo now, and let Django's TransactionTestCase skip post_migrate on flush from here
        # on. Emptied first: a flush that ran post_migrate may have recreated content types
        # under other ids.
        from tests.conftest import restore_demo

        restore_demo()
        connection._test_serialized_contents = _serialized_db


@pytest.fixture
def site(live_server, transactional_db, _migrated_data, demo, password):
    """The seed story on a live server. The live server thread sees only committed data,
    hence a transactional database, which is flushed after each test; tests/conftest.py
    loads the migrations' rows and the demo back in before the next one."""
    return Site(url=live_server.url, demo=demo, password=password)


def _current_test_name() -> str:
    current = os.environ.get("PYTEST_CURRENT_TEST", "test")
    name = current.split("::")[-1].split(" ")[0]
    return re.sub(r"\[.*\]$", "", name)


def page_language(page) -> str:
    return page.evaluate("document.documentElement.lang") or "none"


_fresh_artifacts = set()
# One id for the whole run, shared by the pytest-xdist processes.
_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID") or str(os.getpid())


def _empty_once_per_run(folder: Path) -> None:
    """The files of an earlier run go at first use; under pytest-xdist the first process to
    get here empties the folder and stamps it with the run's id, so that the others keep
    what it has written since (the lock makes the check and the stamp one step)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = folder / ".run"
        if not (stamp.exists() and stamp.read_text() == _RUN):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            stamp.write_text(_RUN)


def _artifact(folder: Path, page, name: str, suffix: str) -> Path:
    """`<folder>/<test>-<name>-<lang><suffix>`; the files of an earlier run go at first use."""
    if folder not in _fresh_artifacts:
        _fresh_artifacts.add(folder)
        _empty_once_per_run(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{_current_test_name()}-{name}-{page_language(page)}{suffix}"


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as .ci/artifacts/screenshots/<test>-<name>-<lang>.png."""
    from playwright.sync_api import Error as PlaywrightError

    path = _artifact(SCREENSHOTS, page, name, ".png")
    try:
        page.screenshot(path=str(path), full_page=True)
    except PlaywrightError as error:
        # Chromium now and then answers "Unable to capture screenshot" on a page it rendered
        # (seen once in CI, under load); one more try after a moment is enough. Any other
        # error, or a second failure, fails the test.
        if "Unable to capture screenshot" not in str(error):
            raise
        page.wait_for_timeout(500)
        page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page, name: str, *, ignore: tuple[str, ...] = ()) -> list[dict]:
    """Run axe-core on the page as it is now; fail on any serious or critical violation.

    `ignore` takes axe rule ids to skip, for a reason written next to the call. Returns the
    minor and moderate violations, which do not fail the test."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate(
        """(ignored) => axe.run(document, {
            resultTypes: ["violations"],
            rules: Object.fromEntries(ignored.map((id) => [id, {enabled: false}])),
        })""",
        list(ignore),
    )
    violations = results["violations"]
    # Every finding, minor ones too, for whoever improves the page next.
    _artifact(AXE_REPORTS, page, name, ".json").write_text(
        json.dumps(
            [
                {
                    "rule": v["id"],
                    "impact": v["impact"],
                    "help": v["help"],
                    "nodes": len(v["nodes"]),
                }
                for v in violations
            ],
            indent=1,
        )
    )
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        report = [
            {
                "rule": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [
                    {"target": n["target"], "html": n["html"][:200], "why": n["failureSummary"]}
                    for n in v["nodes"][:5]
                ],
            }
            for v in blocking
        ]
        pytest.fail(
            f"axe-core: {len(blocking)} serious/critical violation(s) on {name} ({page.url}):\n"
            + json.dumps(report, indent=2, ensure_ascii=False),
            pytrace=False,
        )
    return [v for v in violations if v.get("impact") not in BLOCKING_IMPACTS]


def check_page(page, name: str, **accessibility) -> Path:
    """What every page a browser test visits gets: a screenshot, then the axe check."""
    path = shot(page, name)
    assert_accessible(page, name, **accessibility)
    return path


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url.rstrip("/") + "/login/")
    page.get_by_label(re.compile("^(Username|用户名)$")).fill(username)
    page.get_by_label(re.compile("^(Password|密码)$")).fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def tab_to(page, locator, *, limit=30):
    """Press Tab until `locator` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"{locator} is not reachable with Tab")


__all__ = [
    "IN_CI",
    "Site",
    "assert_accessible",
    "check_page",
    "expect",
    "log_in",
    "page_language",
    "shot",
    "tab_to",
]
