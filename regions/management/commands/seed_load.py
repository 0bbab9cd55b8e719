"""Bulk load data for settlement benchmarks: enterprises, vouchers, confirmed orders and
approved (half of them paid) redemptions, and technology demands with their proposals
(`_load_demands.py`), written with set-based INSERT ... SELECT over a
number series, never one Python object per row.

Everything stays consistent with reconciliation: vouchers commit their face value on the
district's rules, redemptions are spent on their vouchers and on `rules.redeemed`, and every
approval and payment has its balanced journal entry. Audit entries are not written for load
data. Run `seed_demo` first (it makes the districts' rules and the four providers).

    manage.py seed_load --enterprises 1000 --vouchers 1000 --redemptions 100000
"""

import secrets
import time
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ValidationFailed
from portal.management.commands._database import refuse_in_production, require_migrated_database
from portal.money import parse_money
from providers.models import Provider, ServiceCategory
from regions import ledger
from regions.dashboards import flow_summary_rebuild
from regions.management.commands._load_demands import load_demands
from regions.models import ProgrammeRules, Region
from regions.selectors import current_year
from regions.statistics_summary import district_summary_rebuild, enterprise_summary_rebuild

CENT = Decimal("0.01")
# Ten times the largest load the benchmarks make (a million redemptions); beyond it the
# number series and the Python loop over the vouchers run for hours or overflow.
MAX_ROWS = 10_000_000


def series(n: int) -> str:
    """A CTE `g(n)` counting 1..n."""
    if connection.vendor == "postgresql":
        return f"g(n) AS (SELECT generate_series(1, {int(n)}))"
    return f"RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {int(n)})"


def pad(expression: str, width: int) -> str:
    if connection.vendor == "postgresql":
        return f"lpad(CAST({expression} AS text), {width}, '0')"
    return f"substr('{'0' * width}' || ({expression}), -{width}, {width})"


def provider_index(k: str) -> str:
    """The district index (0..3) of redemption k's provider: walks all 16 district pairs."""
    return f"(({k} - 1) / 4 + {k}) %% 4"


def half_when(k: str) -> str:
    """Redemption k is for half the amount: every fifth, and every one with a provider of
    the first district, so that the net positions are not all zero."""
    return f"({k} %% 5 = 0 OR {provider_index(k)} = 0)"


def case(expression: str, values: list) -> str:
    """`CASE expression WHEN 0 THEN values[0] ...` for small id lists."""
    whens = " ".join(f"WHEN {i} THEN {int(v)}" for i, v in enumerate(values))
    return f"(CASE {expression} {whens} END)"


class Command(BaseCommand):
    help = "Bulk-load enterprises, vouchers and approved redemptions (set-based) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=100)
        parser.add_argument("--vouchers", type=int, default=100)
        parser.add_argument("--redemptions", type=int, default=1000)
        parser.add_argument(
            "--demands",
            type=int,
            default=None,
            help="Technology demands, two proposals each (default: a twentieth of the"
            " redemptions, at most 50,000)",
        )
        parser.add_argument(
            "--amount",
            default=None,
            help="Each redemption's amount in yuan, like 1000.00 (default: what the budgets fit)",
        )

    def handle(self, *args, enterprises, vouchers, redemptions, demands, amount, **options):
        refuse_in_production()
        if not all(1 <= n <= MAX_ROWS for n in (enterprises, vouchers, redemptions)):
            raise CommandError(
                _("--enterprises, --vouchers and --redemptions must be from 1 to %(maximum)d.")
                % {"maximum": MAX_ROWS}
            )
        if demands is None:
            demands = min(redemptions // 20, 50_000)
        if not 0 <= demands <= redemptions:
            raise CommandError("--demands must be from 0 to --redemptions (one order each).")
        if amount is not None:
            # The rule every form and endpoint applies (a plain Decimal took "1e3", and
            # failed with a traceback on "abc" or "NaN").
            try:
                amount = parse_money(amount, field="--amount")
            except ValidationFailed as error:
                raise CommandError(
                    _("--amount %(value)s: %(reason)s") % {"value": amount, "reason": error.message}
                ) from error
        require_migrated_database()
        started = time.monotonic()
        with transaction.atomic():
            self.load(enterprises, vouchers, redemptions, demands, amount)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {enterprises} enterprises, {vouchers} vouchers, {redemptions} "
                f"redemptions, {demands} demands in {time.monotonic() - started:.1f} s."
            )
        )

    def load(self, n_enterprises, n_vouchers, n_redemptions, n_demands, amount):
        year = current_year()
        regions = list(Region.objects.order_by("id"))
        rules = {
            r.region_id: r for r in ProgrammeRules.objects.select_for_update().filter(year=year)
        }
        providers = {
            p.region_id: p
            for p in Provider.objects.filter(status=Provider.Status.CERTIFIED).order_by("-id")
        }
        if len(rules) != 4 or len(providers) != 4:
            raise CommandError("Run `manage.py seed_demo` first (rules and providers).")
        region_ids = [r.pk for r in regions]
        provider_ids = [providers[r].pk for r in region_ids]

        # Voucher s (1..V) belongs to enterprise ((s-1) % E) + 1, of district ((e-1) % 4);
        # redemption k (1..R) spends voucher ((k-1) % V) + 1 with the provider of district
        # (((k-1) / 4 + k) % 4), which walks all 16 district pairs (most are cross-region);
        # every fifth redemption, and every one with a YANGPU provider, is for half the amount,
        # so the net positions are not zero.
        per_voucher = -(-n_redemptions // n_vouchers)
        vouchers_in = [0, 0, 0, 0]
        for s in range(n_vouchers):
            vouchers_in[(s % n_enterprises) % 4] += 1
        if amount is None:
            room = min(
                (rules[region_ids[i]].available / (vouchers_in[i] * per_voucher))
                for i in range(4)
                if vouchers_in[i]
            )
            amount = min(Decimal("1000.00"), room.quantize(CENT, rounding=ROUND_DOWN))
        if amount < CENT:
            raise CommandError("The districts' budgets are too small for this many redemptions.")
        amount = amount.quantize(CENT)
        face = amount * per_voucher
        ratio = min(r.co_funding_ratio for r in rules.values())
        contract = (amount / ratio).quantize(CENT) + CENT
        for i in range(4):
            if rules[region_ids[i]].available < face * vouchers_in[i]:
                raise CommandError(f"{regions[i].code}'s budget is too small for this load.")

        if connection.vendor == "postgresql":
            # Hash joins over a million rows spill to disk at the default 4 MB.
            self.sql("SET LOCAL work_mem = '256MB'")
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('is_superuser')")
                superuser = cursor.fetchone()[0] == "on"
            if superuser:
                # Every foreign key below is built by a join on the referenced rows, so the
                # deferred per-row RI checks (tens of millions of lookups at commit for a
                # million redemptions, most of the load's time) prove nothing: skip them.
                # Needs a superuser; CHECK constraints and unique indexes still apply.
                self.sql("SET LOCAL session_replication_role = replica")
        run = secrets.token_hex(3).upper()[:5]
        now = timezone.now()
        decided = now - timedelta(minutes=5)
        for region_id in region_ids:
            ledger.fund_account(region_id)
            ledger.cash_account(region_id)
            for other in region_ids:
                if other != region_id:
                    ledger.clearing_account(region_id, other)
        for provider in providers.values():
            ledger.payable_account(provider)

        self.step("enterprises", n_enterprises)
        self.sql(
            f"WITH {series(n_enterprises)} "
            "INSERT INTO vouchers_enterprise (name, credit_code, region_id, industry, size,"
            " contact_name, contact_phone, contact_email, registered_at, verified_at) "
            f"SELECT 'Load enterprise {run} ' || n, 'L{run}' || {pad('n', 12)},"
            f" {case('(n - 1) %% 4', region_ids)}, 'Load testing', 'small', 'Load',"
            " '', 'load@example.com', %s, %s FROM g",
            [now, now],
        )
        self.step("applications", n_vouchers)
        self.sql(
            f"WITH {series(n_vouchers)} "
            "INSERT INTO vouchers_voucherapplication (enterprise_id, region_id, year,"
            " requested_amount, approved_amount, purpose, status, submitted_at, decided_at,"
            " decision_note) "
            f"SELECT e.id, e.region_id, %s, %s, %s, 'load:{run}:' || n, 'approved', %s, %s, ''"
            f" FROM g JOIN vouchers_enterprise e"
            f" ON e.credit_code = 'L{run}' || {pad(f'((n - 1) %% {n_enterprises}) + 1', 12)}",
            [year, face, face, now, now],
        )
        self.sql(
            "CREATE TEMP TABLE load_voucher (s bigint PRIMARY KEY, application_id bigint,"
            " region_id bigint, enterprise_id bigint, number bigint)"
        )
        prefix = len(f"load:{run}:") + 1
        base = (
            "(CASE a.region_id "
            + " ".join(f"WHEN {rid} THEN {rules[rid].last_voucher_number}" for rid in region_ids)
            + " END)"
        )
        self.sql(
            "INSERT INTO load_voucher (s, application_id, region_id, enterprise_id, number) "
            f"SELECT CAST(substr(a.purpose, {prefix}) AS INTEGER), a.id, a.region_id,"
            f" a.enterprise_id, {base} + ROW_NUMBER() OVER (PARTITION BY a.region_id ORDER BY a.id)"
            f" FROM vouchers_voucherapplication a WHERE a.purpose LIKE 'load:{run}:%%'"
        )
        self.analyze("load_voucher", "vouchers_voucherapplication", "vouchers_enterprise")
        self.step("vouchers", n_vouchers)
        short = (
            "(CASE lv.region_id "
            + " ".join(f"WHEN {r.pk} THEN '{r.short_code}'" for r in regions)
            + " END)"
        )
        # What each voucher will have spent, from the same arithmetic as the redemptions
        # below (redemption k spends voucher ((k-1) % V) + 1, `half_when` for half), so the
        # vouchers are written once with their final figures instead of updated afterwards.
        half = (amount / 2).quantize(CENT)
        self.sql("CREATE TEMP TABLE load_spent (s bigint PRIMARY KEY, total numeric(14, 2))")
        self.sql(
            f"WITH {series(n_redemptions)} "
            "INSERT INTO load_spent (s, total) "
            f"SELECT ((n - 1) %% {n_vouchers}) + 1,"
            f" SUM(CASE WHEN {half_when('n')} THEN %s ELSE %s END) FROM g GROUP BY 1",
            [half, amount],
        )
        spent = "COALESCE(ls.total, 0)"
        self.sql(
            "INSERT INTO vouchers_voucher (serial, application_id, enterprise_id,"
            " issuing_region_id, year, face_value, balance, held, redeemed, released,"
            " cross_region, status, issued_at, expires_at, status_reason, certificate_pdf) "
            f"SELECT {short} || '-{year}-' || {pad('lv.number', 6)} || '-L',"
            f" lv.application_id, lv.enterprise_id, lv.region_id, %s, %s, %s - {spent}, 0,"
            f" {spent}, 0, TRUE,"
            f" CASE WHEN {spent} = %s THEN 'exhausted' ELSE 'active' END, %s, %s, '', ''"
            " FROM load_voucher lv LEFT JOIN load_spent ls ON ls.s = lv.s",
            [year, face, face, face, now, now + timedelta(days=365)],
        )
        self.analyze("vouchers_voucher")
        self.sql(
            "CREATE TEMP TABLE load_order (k bigint PRIMARY KEY, voucher_id bigint,"
            " enterprise_id bigint, region_id bigint, provider_index bigint)"
        )
        self.sql(
            f"WITH {series(n_redemptions)} "
            "INSERT INTO load_order (k, voucher_id, enterprise_id, region_id, provider_index) "
            f"SELECT n, v.id, v.enterprise_id, v.issuing_region_id, {provider_index('n')} FROM g"
            f" JOIN load_voucher lv ON lv.s = ((n - 1) %% {n_vouchers}) + 1"
            " JOIN vouchers_voucher v ON v.application_id = lv.application_id"
        )
        self.analyze("load_order")
        self.step("service orders", n_redemptions)
        self.sql(
            "INSERT INTO providers_serviceorder (enterprise_id, provider_id, voucher_id, title,"
            " description, contract_amount, status, requested_at, accepted_at, completed_at,"
            " confirmed_at, completion_summary, deliverables, dispute_reason, status_reason) "
            f"SELECT lo.enterprise_id, {case('lo.provider_index', provider_ids)}, lo.voucher_id,"
            f" 'load:{run}:' || lo.k, '', %s, 'confirmed', %s, %s, %s, %s, 'Load', '', '', ''"
            " FROM load_order lo",
            [contract, now, now, now, now],
        )
        self.analyze("providers_serviceorder")
        self.step("redemptions", n_redemptions)
        provider_region = case("lo.provider_index", region_ids)
        self.sql(
            "INSERT INTO vouchers_redemption (service_order_id, voucher_id, provider_id,"
            " issuing_region_id, provider_region_id, cross_region, amount, status, claimed_at,"
            " decided_at, decision_note, paid_at, payment_reference) "
            f"SELECT o.id, lo.voucher_id, o.provider_id, lo.region_id, {provider_region},"
            f" lo.region_id <> {provider_region},"
            f" CASE WHEN {half_when('lo.k')} THEN %s ELSE %s END,"
            " CASE WHEN lo.k %% 2 = 0 THEN 'paid' ELSE 'approved' END, %s, %s, 'Load',"
            " CASE WHEN lo.k %% 2 = 0 THEN %s END,"
            " CASE WHEN lo.k %% 2 = 0 THEN 'LOAD-' || lo.k ELSE '' END"
            " FROM load_order lo JOIN providers_serviceorder o"
            f" ON o.title = 'load:{run}:' || lo.k",
            [half, amount, decided, decided, decided],
        )
        self.sql("CREATE TEMP TABLE load_redemption (id bigint PRIMARY KEY)")
        self.sql(
            "INSERT INTO load_redemption (id) SELECT r.id FROM vouchers_redemption r"
            " JOIN providers_serviceorder o ON o.id = r.service_order_id"
            f" WHERE o.title LIKE 'load:{run}:%%'"
        )
        self.analyze("load_redemption", "vouchers_redemption")
        self.step("journal entries", n_redemptions * 3 // 2)
        self.sql(
            "INSERT INTO regions_journalentry (reference, posted_at, description, redemption_id)"
            " SELECT 'redemption:' || r.id || ':approve', %s, 'Load: approved', r.id"
            " FROM load_redemption lr JOIN vouchers_redemption r ON r.id = lr.id",
            [decided],
        )
        self.sql(
            "INSERT INTO regions_journalentry (reference, posted_at, description, redemption_id)"
            " SELECT 'redemption:' || r.id || ':pay', %s, 'Load: paid', r.id"
            " FROM load_redemption lr JOIN vouchers_redemption r ON r.id = lr.id"
            " WHERE r.status = 'paid'",
            [decided],
        )
        self.analyze("regions_journalentry")
        plain = "a.counterparty_id IS NULL AND a.provider_id IS NULL"
        lines = [
            # (entry suffix, account join, debit?, extra condition)
            ("approve", f"a.kind = 'fund' AND a.region_id = r.issuing_region_id AND {plain}", True, ""),
            ("approve", "a.kind = 'payable' AND a.provider_id = r.provider_id", False, ""),
            ("approve", "a.kind = 'clearing' AND a.region_id = r.issuing_region_id"
             " AND a.counterparty_id = r.provider_region_id", False, "AND r.cross_region"),
            ("approve", "a.kind = 'clearing' AND a.region_id = r.provider_region_id"
             " AND a.counterparty_id = r.issuing_region_id", True, "AND r.cross_region"),
            ("pay", "a.kind = 'payable' AND a.provider_id = r.provider_id", True, ""),
            ("pay", f"a.kind = 'cash' AND a.region_id = r.provider_region_id AND {plain}", False, ""),
        ]  # fmt: skip
        for suffix, join, is_debit, extra in lines:
            self.sql(
                "INSERT INTO regions_journalline (entry_id, account_id, debit, credit)"
                f" SELECT e.id, a.id, {'r.amount' if is_debit else '0'},"
                f" {'0' if is_debit else 'r.amount'}"
                " FROM load_redemption lr JOIN vouchers_redemption r ON r.id = lr.id"
                " JOIN regions_journalentry e"
                f" ON e.redemption_id = r.id AND e.reference = 'redemption:' || r.id || ':{suffix}'"
                f" JOIN regions_ledgeraccount a ON {join} WHERE 1 = 1 {extra}"
            )
        self.step("budget totals", n_vouchers)
        for region_id in region_ids:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COUNT(*), COALESCE(SUM(v.face_value), 0), COALESCE(SUM(v.redeemed), 0)"
                    " FROM vouchers_voucher v JOIN load_voucher lv"
                    " ON lv.application_id = v.application_id WHERE v.issuing_region_id = %s",
                    [region_id],
                )
                count, committed, redeemed = cursor.fetchone()
            rule = rules[region_id]
            rule.last_voucher_number += count
            rule.committed += Decimal(committed)
            rule.redeemed += Decimal(redeemed)
            rule.save(update_fields=["last_voucher_number", "committed", "redeemed"])
        if n_demands:
            load_demands(
                self,
                run=run,
                n_demands=n_demands,
                categories=list(
                    ServiceCategory.objects.order_by("id").values_list("id", flat=True)
                ),
                provider_ids=provider_ids,
                now=now,
            )
        for table in ("load_redemption", "load_order", "load_spent", "load_voucher"):
            self.sql(f"DROP TABLE {table}")
        self.step("dashboard summary", n_redemptions)
        flow_summary_rebuild()
        self.step("statistics summary", n_redemptions)
        enterprise_summary_rebuild()
        district_summary_rebuild()

    def step(self, what, count):
        if self.verbosity_level() > 1:
            now = time.monotonic()
            last = getattr(self, "_last_step", now)
            self._last_step = now
            self.stdout.write(f"  {what}: {count} (previous step {now - last:.1f} s)")

    def verbosity_level(self):
        return getattr(self, "_verbosity", 1)

    def execute(self, *args, **options):
        self._verbosity = options.get("verbosity", 1)
        return super().execute(*args, **options)

    def analyze(self, *tables):
        """Fresh statistics for the tables just filled, so the next joins are planned for
        their real size (PostgreSQL plans a freshly filled table as nearly empty)."""
        if connection.vendor == "postgresql":
            for table in tables:
                self.sql(f"ANALYZE {table}")

    def sql(self, statement, params=None):
        # Always with a parameter list, so `%%` is the one spelling of SQL's modulo.
        with connection.cursor() as cursor:
            cursor.execute(statement, params or [])
