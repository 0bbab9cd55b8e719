"""Benchmark 2: the voucher list endpoint on gunicorn under wrk, against a bare Django view
returning the same rows from the same server (benchmarks/floor_urls.py)."""

import re
import shutil
import socket
import subprocess
import time
import urllib.request

from benchmarks import common

API_PATH = "/api/vouchers/?issuing_region=WUJIN&status=active&page_size=50"
FLOOR_PATH = "/bench/floor/vouchers/?issuing_region=WUJIN&status=active&page_size=50"
GUNICORN_WORKERS = 3  # docker-compose.yml's web service


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(db: str):
    port = free_port()
    env = common.portal_env(
        db,
        ROOT_URLCONF="benchmarks.floor_urls",
        CONN_MAX_AGE=600,
        # The throttle stays on (its cache round trips are part of the API's cost) at a
        # rate wrk cannot reach; a per-second window keeps its history list short.
        THROTTLE_USER="100000000/second",
        THROTTLE_ANON="100000000/second",
    )
    process = common.start(
        f"gunicorn-{db}",
        [
            common.PYTHON,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--log-level",
            "warning",
        ],
        env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=2):
                pass
            common.wait_until_idle(process.pid)
            return process, port
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.3)
    common.stop(process)
    raise common.BenchError(f"gunicorn did not start; see {process.log_path}")


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(url: str, *, seconds: int, connections: int = 16, token: str | None = None) -> dict:
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if token:
        argv += ["-H", f"Authorization: Token {token}"]
    output = subprocess.run(
        [*argv, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = _milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    p50 = _milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "requests": requests,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def run(db: str, *, seconds: int, rounds: int = 2) -> dict:
    """Query counts in-process, then wrk against the API and the floor, alternately,
    `rounds` times each; the best round of each (the machine is shared)."""
    check = common.inproc(db, "api-check")
    result = {"check": check, "api": None, "floor": None, "wrk": bool(shutil.which("wrk"))}
    if not result["wrk"]:
        return result
    process, port = start_gunicorn(db)
    try:
        base = f"http://127.0.0.1:{port}"
        wrk(base + API_PATH, seconds=2, token=check["token"])
        wrk(base + FLOOR_PATH, seconds=2)
        api_runs, floor_runs = [], []
        for _ in range(rounds):
            api_runs.append(wrk(base + API_PATH, seconds=seconds, token=check["token"]))
            floor_runs.append(wrk(base + FLOOR_PATH, seconds=seconds))
    finally:
        common.stop(process)
    result["api"] = max(api_runs, key=lambda r: r["rps"])
    result["floor"] = max(floor_runs, key=lambda r: r["rps"])
    result["api_runs"], result["floor_runs"] = api_runs, floor_runs
    return result
