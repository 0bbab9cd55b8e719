"""`make bench`: the portal's performance against floors measured in the same run.

    .venv/bin/python benchmarks/run.py            # full: 100,000 and 1,000,000 redemptions
    .venv/bin/python benchmarks/run.py --short    # about 10,000 rows, a few seconds of load (CI)
    .venv/bin/python benchmarks/run.py --only settlement,pages --sizes 100000 --rounds 1

Needs PostgreSQL (the server of DATABASE_URL; the benchmarks create and drop databases named
BENCH_DB_PREFIX + a name, bench_* by default), Redis (BENCH_REDIS_URL, default
redis://127.0.0.1:6379/8; db 8 and 9 are used) and wrk for the HTTP load. Prints one table
and writes it as JSON to BENCH_RESULTS_DIR (default benchmarks/results/; logs/ beside it).

Exit status: 1 if a benchmark crashed or a correctness check failed (settlement totals that
differ from the floor's, a claim error, balances that do not reconcile, a query count that
grows with the page size or the data); timings never fail the run.
"""

import argparse
import json
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import api, claims, common, http_claims, mixed, settlement  # noqa: E402

FULL = {
    "sizes": [100_000, 1_000_000],
    "settlement_vouchers": 100_000,
    "enterprises": 10_000,
    "api_vouchers": 100_000,
    "claims_distinct": 1600,
    "claims_single": 800,
    "http_clients": [16, 64],
    "mixed_seconds": 60,
    "mixed_clients": 64,
    "mixed_claims": 6000,
    "mixed_approvals": 400,
    "wrk_seconds": 10,
    "wrk_rounds": 2,
    "settlement_rounds": 2,
    "renders": 20,
}
SHORT = {
    "sizes": [2_000, 10_000],
    "settlement_vouchers": 1_000,
    "enterprises": 100,
    "api_vouchers": 10_000,
    "claims_distinct": 160,
    "claims_single": 80,
    "http_clients": [16],
    "mixed_seconds": 3,
    "mixed_clients": 16,
    "mixed_claims": 300,
    "mixed_approvals": 40,
    "wrk_seconds": 2,
    "wrk_rounds": 1,
    "settlement_rounds": 1,
    "renders": 5,
}
BENCHMARKS = ["api", "claims", "mixed", "settlement", "pages"]


class Table:
    def __init__(self):
        self.rows: list[dict] = []
        self.failures: list[str] = []

    def add(self, benchmark, figure, floor, target, met, *, ratio=None, correctness=False):
        if ratio is None and isinstance(figure, (int, float)) and isinstance(floor, (int, float)):
            ratio = figure / floor if floor else None
        row = {
            "benchmark": benchmark,
            "figure": _round(figure),
            "floor": _round(floor),
            "ratio": _round(ratio),
            "target": target,
            "met": met,
        }
        if correctness:
            row["correctness"] = True
            if not met:
                self.failures.append(benchmark)
        self.rows.append(row)

    def print(self):
        headers = ["benchmark", "figure", "floor", "ratio", "target", "met"]
        cells = [[_cell(row[h]) for h in headers] for row in self.rows]
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
        line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
        print(line)
        print("-" * len(line))
        for row in cells:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def _round(value):
    if isinstance(value, float):
        return round(value, 3 if abs(value) < 10 else 1)
    return value


def _cell(value):
    if value is None:
        return "-"
    if value is True:
        return "yes"
    if value is False:
        return "NO"
    return str(value)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def prepare_base() -> None:
    """bench_base: migrated, with the demo story (rules, providers, users)."""
    common.drop_db(common.BASE_DB)
    common.create_db(common.BASE_DB)
    common.manage(common.BASE_DB, "migrate", "--noinput", "-v0")
    common.manage(common.BASE_DB, "seed_demo", "--password", common.PASSWORD, "-v0")


def bench_api(table: Table, config: dict, notes: dict) -> str:
    db = common.db_name("api")
    seconds = settlement.load(
        db, redemptions=1, vouchers=config["api_vouchers"], enterprises=config["enterprises"]
    )
    notes["api_load_seconds"] = round(seconds, 1)
    result = api.run(db, seconds=config["wrk_seconds"], rounds=config["wrk_rounds"])
    notes["api"] = result
    check = result["check"]
    name = f"API list ({label(config['api_vouchers'])} vouchers, {check['count']} matching)"
    table.add(
        f"{name}: same 50 rows as the floor", check["same_rows"], True, "equal", check["same_rows"],
        correctness=True,
    )  # fmt: skip
    constant = check["queries_10"] == check["queries_50"]
    table.add(
        f"{name}: SQL queries per request, page_size 10 / 50",
        f"{check['queries_10']} / {check['queries_50']}",
        check["floor_queries"],
        "constant",
        constant,
        correctness=True,
    )
    if not result["wrk"]:
        notes["api_skipped"] = "wrk is not installed: no HTTP load"
        return db
    a, f = result["api"], result["floor"]
    table.add(f"{name}: requests/s (wrk 16 conn)", a["rps"], f["rps"], ">= 0.75x floor",
              a["rps"] >= 0.75 * f["rps"])  # fmt: skip
    table.add(f"{name}: p99 latency ms", a["p99_ms"], f["p99_ms"], "<= 1.5x floor",
              a["p99_ms"] <= 1.5 * f["p99_ms"])  # fmt: skip
    errors = a["non_2xx"] + f["non_2xx"]
    table.add(f"{name}: non-2xx responses", errors, 0, "0", errors == 0, correctness=True)
    return db


def bench_claims(table: Table, config: dict, notes: dict, source_db: str) -> None:
    result = claims.run(
        source_db, distinct=config["claims_distinct"], single=config["claims_single"]
    )
    notes["claims"] = result
    for case, title in [("distinct", "distinct vouchers"), ("single", "one voucher")]:
        portal, floor = result["portal"][case], result["floor"][case]
        attempts = portal["ok"] + portal["refused"] + portal["errors"]
        expected_ok = attempts if case == "distinct" else attempts // 2
        clean = (
            portal["errors"] == 0
            and portal["ok"] == expected_ok
            and set(portal["refusals"]) <= {"InsufficientBalance"}
            and floor["ok"] == portal["ok"]
        )
        table.add(
            f"Claims, 16 threads, {title} ({attempts}): claims/s",
            attempts / portal["seconds"],
            attempts / floor["seconds"],
            f"{expected_ok} held, only 409s",
            clean,
            correctness=True,
        )
    ok = result["check"]["ok"] and result["reconcile"]["ok"]
    table.add("Claims: balances exact, reconciliation clean", ok, True, "clean", ok,
              correctness=True)  # fmt: skip
    http = http_claims.run(
        source_db,
        distinct=config["claims_distinct"],
        single=config["claims_single"],
        clients=config["http_clients"],
    )
    notes["http_claims"] = http
    for clients, figures in http.items():
        for case, title, share in [("distinct", "distinct vouchers", 0.5),
                                   ("single", "one voucher", 0.3)]:  # fmt: skip
            portal, floor = figures["portal"][case], figures["floor"][case]
            expected_ok = portal["attempts"] if case == "distinct" else portal["attempts"] // 2
            name = f"Claims over HTTP, {title}, {clients} clients ({portal['attempts']})"
            table.add(f"{name}: claims/s (floor: the writes in one SQL transaction)",
                      portal["per_second"], floor["per_second"], f">= {share}x floor",
                      portal["per_second"] >= share * floor["per_second"])  # fmt: skip
            bare = figures["http_floor"][case]
            table.add(f"{name}: claims/s (floor: the same writes in a bare view, same gunicorn)",
                      portal["per_second"], bare["per_second"], "-", None)  # fmt: skip
            cpu, bare_cpu = portal["cpu_ms"], bare["cpu_ms"]
            table.add(f"{name}: CPU ms per claim, gunicorn + PostgreSQL + Celery worker",
                      " + ".join(f"{cpu[k]:.1f}" for k in ("gunicorn", "postgresql", "celery")),
                      " + ".join(f"{bare_cpu[k]:.1f}" for k in ("gunicorn", "postgresql", "celery")),
                      "-", None)  # fmt: skip
            table.add(f"{name}: p50 / p99 ms",
                      f"{portal['p50_ms']:.1f} / {portal['p99_ms']:.1f}",
                      f"{floor['p50_ms']:.1f} / {floor['p99_ms']:.1f}", "-", None)  # fmt: skip
            clean = (
                portal["errors"] == 0
                and portal["ok"] == expected_ok
                and floor["ok"] == portal["ok"]
                and bare["ok"] == portal["ok"]
                and bare["errors"] == 0
            )
            table.add(f"{name}: 201s held, only 409s refused, 0 5xx", portal["ok"], floor["ok"],
                      f"{expected_ok} held, 0 errors", clean, correctness=True)  # fmt: skip
        ok = figures["check"]["ok"] and figures["reconcile"]["ok"]
        table.add(f"Claims over HTTP, {clients} clients: balances exact, reconciliation clean",
                  ok, True, "clean", ok, correctness=True)  # fmt: skip


def bench_mixed(table: Table, config: dict, notes: dict, source_db: str) -> None:
    result = mixed.run(
        source_db,
        clients=config["mixed_clients"],
        seconds=config["mixed_seconds"],
        claims=config["mixed_claims"],
        approvals=config["mixed_approvals"],
    )
    notes["mixed"] = result
    portal, floor = result["portal"], result["floor"]
    name = f"Mixed {config['mixed_seconds']} s, {config['mixed_clients']} clients"
    table.add(f"{name}: requests/s (floor: each kind's floor, same mix)", portal["per_second"],
              floor["per_second"], "-", None)  # fmt: skip
    table.add(f"{name}: p50 / p99 ms", f"{portal['p50_ms']:.1f} / {portal['p99_ms']:.1f}",
              f"{floor['p50_ms']:.1f} / {floor['p99_ms']:.1f}", "-", None)  # fmt: skip
    for kind, figures in portal["kinds"].items():
        base = floor["kinds"][kind]
        if not figures["requests"] or not base["requests"]:
            table.add(f"{name}: {kind} p99 ms", "no requests", None, "< 2x floor", False)
            continue
        answers = ", ".join(f"{n} x {s}" for s, n in sorted(figures["statuses"].items()))
        table.add(f"{name}: {kind} p99 ms ({answers})", figures["p99_ms"], base["p99_ms"],
                  "< 2x floor", figures["p99_ms"] < 2 * base["p99_ms"])  # fmt: skip
    errors = portal["errors"] + floor["errors"]
    table.add(f"{name}: 5xx and broken connections", errors, 0, "0", errors == 0,
              correctness=True)  # fmt: skip
    ok = result["reconcile"]["ok"]
    table.add(f"{name}: reconciliation afterwards", ok, True, "clean", ok, correctness=True)


def bench_settlement(table: Table, config: dict, notes: dict, run_pages: bool, run_settle: bool):
    sizes = config["sizes"]
    one_by_size, pages_by_size = {}, {}
    for index, size in enumerate(sizes):
        tag = label(size).lower()
        db = common.db_name(f"s{tag}")
        seconds = settlement.load(
            db,
            redemptions=size,
            vouchers=min(config["settlement_vouchers"], size),
            enterprises=config["enterprises"],
        )
        notes[f"settlement_{tag}_load_seconds"] = round(seconds, 1)
        if run_settle:
            # Rounds of floor, 1 worker and 2 workers, each on a fresh copy; the fastest
            # round of each counts (a shared machine only ever slows a run down), memory
            # the highest, and every round's totals must equal the floor's.
            rounds, same, copies = [], True, {}
            for round_index in range(config["settlement_rounds"]):
                for suffix in ("floor", "one", "two"):
                    copies[suffix] = common.copy_db(db, f"{db}_{suffix}")
                # The narrow floor first: it leaves the redemption rows as they were.
                narrow = settlement.floor(f"{db}_floor", narrow=True)
                floor = settlement.floor(f"{db}_floor")
                common.drop_db(f"{db}_floor")
                same = same and narrow["totals"] == floor["totals"]
                one = settlement.portal(f"{db}_one", workers=1)
                if index == 0 and round_index == 0:
                    reconciled = common.inproc(f"{db}_one", "reconcile")
                common.drop_db(f"{db}_one")
                two = settlement.portal(f"{db}_two", workers=2)
                common.drop_db(f"{db}_two")
                same = same and settlement.same_totals(one, floor)
                same = same and settlement.same_totals(two, floor)
                rounds.append((floor, one, two, narrow))
            floor = min((r[0] for r in rounds), key=lambda r: r["seconds"])
            narrow = min((r[3] for r in rounds), key=lambda r: r["seconds"])
            one = min((r[1] for r in rounds), key=lambda r: r["seconds"])
            two = min((r[2] for r in rounds), key=lambda r: r["seconds"])
            one = {**one, "peak_rss_mb": max(r[1]["peak_rss_mb"] for r in rounds)}
            if index == 0:
                one["reconcile"] = reconciled
            one_by_size[size] = one
            notes[f"settlement_{tag}_copy_seconds"] = {k: round(v, 1) for k, v in copies.items()}
            notes[f"settlement_{tag}"] = {
                "rounds": [
                    {"floor": f["seconds"], "narrow_floor": n["seconds"], "one": o["seconds"],
                     "two": t["seconds"], "one_peak_rss_mb": o["peak_rss_mb"],
                     "two_peak_rss_mb": t["peak_rss_mb"]}
                    for f, o, t, n in rounds
                ],
                "one": {k: v for k, v in one.items() if k != "totals"},
                "two": {k: v for k, v in two.items() if k != "totals"},
                "totals": {f"{a}->{b}": [str(s), n] for (a, b), (s, n) in floor["totals"].items()},
            }  # fmt: skip
            name = f"Settlement {label(size)}"
            largest = size == sizes[-1]
            table.add(f"{name}, 1 worker: wall s / wide floor", one["seconds"], floor["seconds"],
                      "<= 1x wide floor" if largest else "(at the largest size)",
                      one["seconds"] <= floor["seconds"] if largest else None)  # fmt: skip
            table.add(f"{name}, 1 worker: wall s / narrow floor", one["seconds"],
                      narrow["seconds"], "<= 3x narrow floor" if largest else "(at the largest size)",
                      one["seconds"] <= 3 * narrow["seconds"] if largest else None)  # fmt: skip
            table.add(f"{name}, 2 workers: wall s / narrow floor", two["seconds"],
                      narrow["seconds"], "<= 3x narrow floor" if largest else "(at the largest size)",
                      two["seconds"] <= 3 * narrow["seconds"] if largest else None)  # fmt: skip
            table.add(f"{name}, 2 workers: wall s (floor = 1 worker)", two["seconds"],
                      one["seconds"], "< 1x (faster)" if largest else "(at the largest size)",
                      two["seconds"] < one["seconds"] if largest else None)  # fmt: skip
            table.add(f"{name}: 12 pair totals = floor's (1 and 2 workers)", same, True, "equal",
                      same, correctness=True)  # fmt: skip
            table.add(f"{name}, 1 worker: peak RSS MB (worker tree)", one["peak_rss_mb"],
                      one["idle_rss_mb"], "<= 300 MB", one["peak_rss_mb"] <= 300)  # fmt: skip
            if "reconcile" in one:
                ok = one["reconcile"]["ok"]
                table.add(f"{name}: reconciliation after settlement", ok, True, "clean", ok,
                          correctness=True)  # fmt: skip
        if run_pages:
            pages_by_size[size] = common.inproc(db, "pages", renders=config["renders"])
            notes[f"pages_{tag}"] = pages_by_size[size]
        if not notes.get("keep"):
            common.drop_db(db)
    if len(one_by_size) > 1:
        small, large = one_by_size[sizes[0]], one_by_size[sizes[-1]]
        growth = large["peak_rss_mb"] / small["peak_rss_mb"]
        table.add(f"Settlement: peak RSS {label(sizes[-1])} / {label(sizes[0])}",
                  large["peak_rss_mb"], small["peak_rss_mb"], "<= 1.2x", growth <= 1.2,
                  ratio=growth)  # fmt: skip
    if pages_by_size:
        pages_rows(table, sizes, pages_by_size)


# (result key, row name): the pages measured by `inproc pages`, each against the bare page.
PAGES = [
    ("official", "Page official dashboard"),
    ("operator", "Page operator dashboard"),
    ("statistics", "Page public statistics"),
    ("demand_search", "Demand search"),
    ("demand_api", "Demand search API"),
]


def pages_rows(table: Table, sizes: list[int], pages_by_size: dict) -> None:
    largest = pages_by_size[sizes[-1]]
    for page, name in PAGES:
        if page not in largest:
            continue
        figures = largest[page]
        floor = largest.get(f"{page}_floor") or largest["demand_search_floor"]
        scope = label(sizes[-1]) + (", cache emptied" if page == "statistics" else "")
        table.add(f"{name} ({scope}): p50 ms", figures["p50_ms"], floor["p50_ms"], "<= 300 ms",
                  figures["p50_ms"] <= 300)  # fmt: skip
        counts = {size: tuple(pages_by_size[size][page]["queries"]) for size in pages_by_size}
        constant = len(set(counts.values())) == 1 and len(figures["queries"]) == 1
        table.add(
            f"{name}: queries per render at " + " / ".join(label(s) for s in counts),
            " / ".join(",".join(map(str, c)) for c in counts.values()),
            ",".join(map(str, floor["queries"])),
            "constant",
            constant,
            correctness=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="small data, CI-sized")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma list of benchmarks")
    parser.add_argument("--sizes", default="", help="settlement sizes, e.g. 100000,1000000")
    parser.add_argument("--rounds", type=int, default=0, help="settlement rounds per size")
    parser.add_argument("--keep", action="store_true", help="keep the bench_s* databases")
    args = parser.parse_args()
    config = dict(SHORT if args.short else FULL)
    if args.rounds:
        config["settlement_rounds"] = args.rounds
    if args.sizes:
        config["sizes"] = [int(s) for s in args.sizes.split(",")]
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = only - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    started = time.monotonic()
    table = Table()
    notes = {"keep": args.keep, "load_average_start": common.load_average()}
    crashed = []
    try:
        machine = common.machine()
        prepare_base()
    except Exception:
        traceback.print_exc()
        print("benchmarks could not start (PostgreSQL and Redis are needed)", file=sys.stderr)
        return 1
    steps = []
    if only & {"api", "claims", "mixed"}:
        steps.append("api")
    if "claims" in only:
        steps.append("claims")
    if "mixed" in only:
        steps.append("mixed")
    if "settlement" in only or "pages" in only:
        steps.append("settlement")
    api_db = None
    for step in steps:
        step_started = time.monotonic()
        try:
            if step == "api":
                api_db = bench_api(table, config, notes)
            elif step == "claims":
                bench_claims(table, config, notes, api_db)
            elif step == "mixed":
                bench_mixed(table, config, notes, api_db)
            else:
                bench_settlement(table, config, notes, "pages" in only, "settlement" in only)
        except Exception as error:
            traceback.print_exc()
            crashed.append(f"{step}: {error}")
            table.add(f"{step}: crashed", str(error)[:80], None, "runs", False, correctness=True)
        notes[f"{step}_seconds"] = round(time.monotonic() - step_started, 1)
        print(f"[{step} done in {notes[f'{step}_seconds']} s]", file=sys.stderr)
    notes["load_average_end"] = common.load_average()
    notes["total_seconds"] = round(time.monotonic() - started, 1)

    print()
    table.print()
    print(
        f"\n{'short' if args.short else 'full'} run, {notes['total_seconds']} s, "
        f"load average {notes['load_average_start']} -> {notes['load_average_end']}, "
        f"{machine['cpu_count']} x {machine['cpu_model']}, {machine['memory_mb']} MB"
    )
    now = datetime.now().astimezone()
    results = common.RESULTS
    results.mkdir(parents=True, exist_ok=True)
    out = results / f"bench-{'short' if args.short else 'full'}-{now:%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {
                "date": now.isoformat(timespec="seconds"),
                "mode": "short" if args.short else "full",
                "machine": machine,
                "config": config,
                "rows": table.rows,
                "notes": notes,
            },
            indent=2,
            default=str,
        )
    )
    print(f"written {out}")
    if table.failures or crashed:
        print(f"FAILED: {', '.join(table.failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
