"""What the benchmarks share: databases on the PostgreSQL server of DATABASE_URL, the
environment of the portal's processes, subprocesses, memory sampling and the machine.

Only the standard library, psycopg and redis (both installed with the portal): the
orchestrator never imports Django, so each database gets processes of its own.
"""

import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Where a run writes its table (JSON), the processes' logs and their files: BENCH_RESULTS_DIR,
# by default benchmarks/results (CI gives .ci/artifacts/bench, so its short runs leave no
# file in the work tree).
RESULTS = Path(os.environ.get("BENCH_RESULTS_DIR") or ROOT / "benchmarks" / "results").resolve()
LOGS = RESULTS / "logs"
# Every database a run makes is named BENCH_DB_PREFIX + a name ("bench_" by default; CI gives
# one from its run's prefix, so that two runs on one PostgreSQL never share a database).
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX") or "bench_"


def db_name(name: str) -> str:
    return f"{DB_PREFIX}{name}"


BASE_DB = db_name("base")
PASSWORD = "bench-pass-2026"


class BenchError(RuntimeError):
    """A benchmark could not run (a service missing, a process that died)."""


# --- databases ---------------------------------------------------------------------------


def server_url() -> str:
    """DATABASE_URL's server (PostgreSQL only: the benchmarks copy databases by template)."""
    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    if urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
        raise BenchError(f"the benchmarks need PostgreSQL; DATABASE_URL is {url.split(':')[0]}")
    return url


def db_url(name: str) -> str:
    parts = urlsplit(server_url())
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def connect(name: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(db_url(name).replace("postgres://", "postgresql://", 1), **kwargs)


def admin(sql: str) -> None:
    with connect("postgres", autocommit=True) as conn:
        conn.execute(sql)


def create_db(name: str) -> None:
    admin(f"CREATE DATABASE {name}")


def drop_db(name: str) -> None:
    assert name.startswith(DB_PREFIX), name  # never drop a database the run did not make
    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def copy_db(source: str, target: str) -> float:
    """CREATE DATABASE target TEMPLATE source (a file copy); seconds taken."""
    drop_db(target)
    started = time.monotonic()
    admin(f"CREATE DATABASE {target} TEMPLATE {source}")
    return time.monotonic() - started


def vacuum_analyze(name: str) -> None:
    """What autovacuum would have done by the time a real portal holds this much data."""
    with connect(name, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def scalar(name: str, sql: str, params=None):
    with connect(name) as conn:
        return conn.execute(sql, params or []).fetchone()[0]


# --- the portal's processes --------------------------------------------------------------


def redis_url(db: int = 8) -> str:
    """Redis database `db` of BENCH_REDIS_URL's server; BENCH_REDIS_DB, when set, puts every
    benchmark on that one database instead (they run one after another and each flushes
    it first), for a server other runs share."""
    base = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
    db = int(os.environ.get("BENCH_REDIS_DB", db))
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


def flush_redis(db: int) -> None:
    import redis

    try:
        redis.Redis.from_url(redis_url(db)).flushdb()
    except redis.RedisError as error:
        raise BenchError(f"Redis is not reachable at {redis_url(db)}: {error}") from None


def portal_env(db: str, **extra) -> dict:
    """Production-like settings for a process of the portal on database `db`."""
    env = {
        **os.environ,
        "DATABASE_URL": db_url(db),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-secret-key",
        "CELERY_BROKER_URL": "",
        "CELERY_RESULT_BACKEND": "",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        # Plain HTTP on loopback, and no second factor for the demo's officials.
        "SECURE_SSL_REDIRECT": "false",
        "REQUIRE_2FA": "false",
        "MEDIA_ROOT": str(RESULTS / "media"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("ROOT_URLCONF", None)
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(db: str, *args: str, **extra) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=portal_env(db, **extra),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def inproc(db: str, command: str, *, env: dict | None = None, **params) -> dict:
    """Run `benchmarks/inproc.py command` with Django on database `db`; its JSON answer."""
    # Parameters on stdin: a claims plan is larger than one command-line argument may be.
    result = subprocess.run(
        [PYTHON, "-m", "benchmarks.inproc", command],
        cwd=ROOT,
        env=portal_env(db, **(env or {})),
        input=json.dumps(params),
        capture_output=True,
        text=True,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise BenchError(
            f"inproc {command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return json.loads(lines[-1])


def start(name: str, argv: list[str], env: dict) -> subprocess.Popen:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = open(LOGS / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    process.log_path = LOGS / f"{name}.log"
    return process


def stop(process: subprocess.Popen, *, timeout: float = 20) -> None:
    """SIGTERM the process group we started, SIGKILL it if it lingers."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass


def wait_for_log(process: subprocess.Popen, text: str, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in process.log_path.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    tail = process.log_path.read_text(errors="replace")[-2000:]
    raise BenchError(f"{process.args[:4]} not ready ({text!r}):\n{tail}")


# --- memory ------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    return children


def _tree(root: int, children: dict[int, list[int]]) -> list[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _kib(path: str, field: str) -> int:
    try:
        with open(path) as handle:
            for line in handle:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory:
    """Samples the summed RSS (and PSS, which counts pages shared after fork once) of the
    process trees under `roots` every `interval` seconds, keeping the peaks, in MB."""

    def __init__(self, roots: list[int], interval: float = 0.05):
        self.roots, self.interval = roots, interval
        self.peak_rss = self.peak_pss = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> tuple[float, float]:
        children = _children()
        pids = [pid for root in self.roots for pid in _tree(root, children)]
        rss = sum(_kib(f"/proc/{pid}/status", "VmRSS:") for pid in pids) / 1024
        pss = sum(_kib(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids) / 1024
        return rss, pss

    def _run(self):
        while not self._stop.is_set():
            rss, pss = self.sample()
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# --- CPU -----------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process, in seconds (0 for one that is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _postgres_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() == "postgres":
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


class CpuUse:
    """CPU seconds spent during the block by each named process tree and by every PostgreSQL
    process of the machine (the benchmarks run alone: that is their server's work)."""

    def __init__(self, **roots: int):
        self.roots = roots
        self.seconds: dict[str, float] = {}

    def _sample(self) -> dict[str, float]:
        children = _children()
        sample = {
            name: sum(_cpu_seconds(pid) for pid in _tree(root, children))
            for name, root in self.roots.items()
        }
        sample["postgresql"] = sum(_cpu_seconds(pid) for pid in _postgres_pids())
        return sample

    def __enter__(self):
        self._before = self._sample()
        return self

    def __exit__(self, *exc):
        after = self._sample()
        self.seconds = {name: after[name] - self._before[name] for name in after}

    def per(self, count: int) -> dict[str, float]:
        """Milliseconds of CPU per unit of work, by process tree."""
        return {name: 1000 * value / count for name, value in self.seconds.items()} if count else {}


def wait_until_idle(
    *roots: int, window: float = 0.5, busy_share: float = 0.05, timeout: float = 60
):
    """Until the process trees under `roots` have used less than `busy_share` of a core over
    `window` seconds: a gunicorn that answers its first health check may still be booting
    its other workers (each imports the portal), and a Celery worker its pool. A measure
    begun then would count their start-up as the work measured and share the cores with
    it; a server in service started long before."""
    deadline = time.monotonic() + timeout
    children = _children()
    before = sum(_cpu_seconds(pid) for root in roots for pid in _tree(root, children))
    while time.monotonic() < deadline:
        time.sleep(window)
        children = _children()
        now = sum(_cpu_seconds(pid) for root in roots for pid in _tree(root, children))
        if now - before < busy_share * window:
            return
        before = now
    raise BenchError(f"processes {roots} still busy after {timeout} s")


# --- the machine -------------------------------------------------------------------------


def machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "memory_mb": _kib("/proc/meminfo", "MemTotal:") // 1024,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgresql": scalar("postgres", "SHOW server_version"),
    }


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


# A thread that dies before the start line breaks the barrier for all after this long,
# so a failed connection fails the benchmark instead of hanging it.
START_TIMEOUT_SECONDS = 120


def run_together(work, count: int, *, after=None) -> float:
    """Start `work(0..count-1)` in threads at one instant; seconds until the last is done.
    `after()` runs in each thread when its work ends (closing its connections)."""
    barrier = threading.Barrier(count + 1, timeout=START_TIMEOUT_SECONDS)

    def run(index):
        barrier.wait()
        try:
            work(index)
        finally:
            if after is not None:
                after()

    pool = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    return time.perf_counter() - started
