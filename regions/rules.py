"""Writes of the programme rules' versions: the operator publishes a district's rules for a
year with the date they take effect; a version effective today or earlier is applied to the
district-year row at once, a later one on its date (`rules_apply_due`, from the daily beat
task and from every locked read of the row, so money never moves under stale rules).

Lock order (CONVENTIONS): the ProgrammeRules row first, as every money move does.
"""

import logging
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError, InvalidTransition, NotAllowed, ValidationFailed
from portal.pdf import money
from portal.security import written_text
from regions.models import AuditEntry, ProgrammeRules, ProgrammeRulesVersion, Region, User
from regions.models.rules import RULE_FIELDS
from regions.rules_values import rules_values
from regions.selectors import VERSION_ORDER, programme_today, rules_values_in_force
from regions.services import audit_record

logger = logging.getLogger(__name__)

# A withdrawal's reason: a sentence or two, read in the audit trail.
REASON_MAX = 500


class BudgetBelowCommitted(ApplicationError):
    status = 409
    code = "budget_below_committed"


def can_publish_rules(user) -> bool:
    return bool(user and user.is_authenticated and user.is_operator)


def _apply(rules: ProgrammeRules, version: ProgrammeRulesVersion, now) -> None:
    for name in RULE_FIELDS:
        setattr(rules, name, getattr(version, name))
    rules.save(update_fields=list(RULE_FIELDS))
    ProgrammeRulesVersion.objects.filter(pk=version.pk).update(applied_at=now)
    version.applied_at = now


def rules_versions_of(rules: ProgrammeRules) -> list[ProgrammeRulesVersion]:
    """Every version of a LOCKED district-year row, newest in force first, read once per row
    in hand: an approval asks three things of them (which are due, the budget ceiling, which
    one is in force), each was a query. They cannot change while the row is locked:
    publishing a version locks it too (`rules_version_publish`)."""
    versions = rules.__dict__.get("_versions")
    if versions is None:
        versions = list(
            ProgrammeRulesVersion.objects.filter(
                region_id=rules.region_id, year=rules.year
            ).order_by(*VERSION_ORDER)
        )
        rules._versions = versions
    return versions


def rules_apply_due(rules: ProgrammeRules, *, today: date | None = None) -> ProgrammeRules:
    """Bring a LOCKED district-year row up to the version in force today: the newest version
    whose date has come, if it was not applied yet (older due ones are marked applied too).
    Runs inside the caller's transaction; idempotent."""
    today = today or programme_today()
    due = [
        version
        for version in rules_versions_of(rules)
        if version.effective_from <= today and version.applied_at is None
    ]
    if not due:
        return rules
    now = timezone.now()
    newest = due[0]
    if newest.annual_budget < rules.committed:
        # Publishing refuses this, and approvals keep below every budget to come
        # (`rules_budget_ceiling`); should it happen anyway, the row keeps its values.
        logger.error("Rules version %s not applied: budget below committed", newest.pk)
        return rules
    _apply(rules, newest, now)
    ProgrammeRulesVersion.objects.filter(pk__in=[v.pk for v in due[1:]]).update(applied_at=now)
    for version in due[1:]:
        version.applied_at = now
    return rules


def rules_budget_ceiling(rules: ProgrammeRules) -> Decimal:
    """What the district may commit in all this year: its budget, or less when a version to
    come has a smaller one (so that the version can still apply on its date)."""
    limiting = rules_budget_limiting_version(rules)
    return rules.annual_budget if limiting is None else limiting.annual_budget


def rules_budget_limiting_version(rules: ProgrammeRules) -> ProgrammeRulesVersion | None:
    """The version to come whose smaller budget is the ceiling now (the smallest), if any: a
    refusal names it, since the budget in force is larger."""
    pending = [v for v in rules_versions_of(rules) if v.applied_at is None]
    smallest = min(pending, key=lambda version: version.annual_budget, default=None)
    if smallest is None or smallest.annual_budget >= rules.annual_budget:
        return None
    return smallest


def rules_version_id_of(rules: ProgrammeRules, *, on: date | None = None) -> int | None:
    """The id of the LOCKED row's version in force on `on` (today), the one
    `regions.selectors.rules_version_in_force` reads: what a voucher being issued records."""
    on = on or programme_today()
    for version in rules_versions_of(rules):
        if version.effective_from <= on:
            return version.pk
    return None


def rules_first_version(rules: ProgrammeRules) -> tuple[ProgrammeRulesVersion, bool]:
    """Version 1 of a district-year row that has none (from January 1st, applied): what the
    migration did for the rows that existed, for rows made later (demo data, loads).
    Idempotent: returns (version, created)."""
    existing = (
        ProgrammeRulesVersion.objects.filter(region_id=rules.region_id, year=rules.year)
        .order_by("id")
        .first()
    )
    if existing is not None:
        return existing, False
    now = timezone.now()
    version = ProgrammeRulesVersion.objects.create(
        region_id=rules.region_id,
        year=rules.year,
        effective_from=date(rules.year, 1, 1),
        published_at=now,
        applied_at=now,
        **{name: getattr(rules, name) for name in RULE_FIELDS},
    )
    return version, True


def rules_apply_all_due(*, today: date | None = None) -> int:
    """The daily beat task's work: apply every version whose date has come, one district-year
    at a time (each its own transaction, the row locked). Returns how many rows moved."""
    today = today or programme_today()
    pairs = set(
        ProgrammeRulesVersion.objects.filter(
            effective_from__lte=today, applied_at__isnull=True
        ).values_list("region_id", "year")
    )
    moved = 0
    for region_id, year in sorted(pairs):
        with transaction.atomic():
            rules = (
                ProgrammeRules.objects.select_for_update()
                .filter(region_id=region_id, year=year)
                .first()
            )
            if rules is None:
                continue
            before = {name: getattr(rules, name) for name in RULE_FIELDS}
            rules_apply_due(rules, today=today)
            moved += before != {name: getattr(rules, name) for name in RULE_FIELDS}
    return moved


def _check_cap_within_budget(clean: dict, *, committed: Decimal) -> None:
    """A cap per enterprise above the annual budget is a typing mistake (a budget of 100.00
    beside a cap of 150,000.00): no enterprise could ever get it. Two budgets may stay below
    the cap: zero (a district issuing nothing, or whose budget is not decided yet; a cap is
    always above zero), and a budget cut once the district has committed money in the year
    (down to what is committed, which the caller has checked): enterprises may already hold
    up to the cap, which stays as published rather than fall below what they were granted."""
    budget, cap = clean["annual_budget"], clean["max_voucher_per_enterprise"]
    if budget > 0 and cap > budget and committed == 0:
        raise ValidationFailed(
            _("The cap per enterprise (%(cap)s) cannot be above the annual budget (%(budget)s).")
            % {"cap": money(cap), "budget": money(budget)},
            field="max_voucher_per_enterprise",
            code="cap_above_budget",
        )


# The values a new version may leave out: each keeps its value in the rules in force just
# before the new version's date. The budget, the cap and the ratio are always given.
KEPT_WHEN_LEFT_OUT = tuple(
    name
    for name in RULE_FIELDS
    if name not in ("annual_budget", "max_voucher_per_enterprise", "co_funding_ratio")
)


# Stored in English like the portal's other reasons, shown in the reader's language
# (regions.services.SYSTEM_REASONS).
REPLACED_REASON = "Replaced by rules published for the same first day."


@transaction.atomic(durable=True)
def rules_version_publish(
    *,
    actor: User,
    region: Region,
    year: int,
    effective_from: date | None = None,
    eligible_categories=None,
    **values,
) -> ProgrammeRulesVersion:
    """The operator publishes a district's rules for a year, in force from `effective_from`
    (today when empty). Refused: a past year, a date already past, a date outside the year,
    bad values, a cap above the budget (400); an annual budget below what the district has
    committed (409).

    A value left out (not in `values`; `eligible_categories` None) keeps its value in the
    rules in force just before the new version's date, for every way in (the page's form
    gives them all, the API what the client names): for next year's first version, the
    previous year's last version (`rules_values_in_force`). Only a district with no rules
    at all gets the defaults of `rules_values`. `four_eyes_threshold=None` and
    `eligible_categories=[]` given say "never" and "every category"."""
    if not can_publish_rules(actor):
        raise NotAllowed(_("Only the programme operator publishes programme rules."))
    today = programme_today()
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Enter the year the rules are for."), field="year") from None
    if year < today.year:
        raise ValidationFailed(
            _("The year %(year)s is over; its rules can no longer change.") % {"year": year},
            field="year",
            code="year_over",
        )
    if year > today.year + 1:
        raise ValidationFailed(
            _("Rules are published for this year or the next."), field="year", code="year_far"
        )
    effective_from = effective_from or max(today, date(year, 1, 1))
    if effective_from < today:
        raise ValidationFailed(
            _("The rules cannot take effect in the past (%(date)s); choose today or later.")
            % {"date": effective_from.isoformat()},
            field="effective_from",
            code="effective_in_past",
        )
    if effective_from.year != year:
        raise ValidationFailed(
            _("The date the rules take effect must lie in %(year)s.") % {"year": year},
            field="effective_from",
            code="effective_outside_year",
        )

    rules = ProgrammeRules.objects.select_for_update().filter(region=region, year=year).first()
    # Read with the row locked: no other version of the year is published meanwhile.
    kept = rules_values_in_force(region_id=region.pk, year=year, on=effective_from)
    for name in KEPT_WHEN_LEFT_OUT:
        if name not in values and name in kept:
            values[name] = kept[name]
    if eligible_categories is None:
        eligible_categories = kept.get("eligible_categories", ())
    categories = list(eligible_categories)
    clean = rules_values(values)
    if rules is not None and clean["annual_budget"] < rules.committed:
        raise BudgetBelowCommitted(
            _(
                "The annual budget cannot be below what %(region)s has already committed in "
                "%(year)s: %(committed)s."
            )
            % {"region": region.display_name, "year": year, "committed": money(rules.committed)},
            field="annual_budget",
            extra={"committed": str(rules.committed)},
        )
    # After the budget against what is committed: a budget cut below it is the refusal to
    # act on first (409, with the figure to stay above).
    _check_cap_within_budget(clean, committed=rules.committed if rules is not None else 0)
    if rules is not None and effective_from > today:
        # Two versions waiting for the same date: which one applies would depend on the
        # order they were published in, which no one reading the rules page can see.
        waiting = next(
            (
                v
                for v in rules_versions_of(rules)
                if v.effective_from == effective_from and v.applied_at is None
            ),
            None,
        )
        if waiting is not None:
            raise InvalidTransition(
                _(
                    "A version of %(region)s's rules already waits to take effect on %(date)s "
                    "(published %(published)s). Withdraw it first, or choose another date."
                )
                % {
                    "region": region.display_name,
                    "date": effective_from.isoformat(),
                    "published": timezone.localdate(waiting.published_at).isoformat(),
                },
                code="version_date_taken",
                field="effective_from",
                extra={"waiting_version": waiting.pk},
            )
    # Next year's first rules are in place from the day they are published. Published again
    # for the same first day before the year begins, the new ones replace them: two versions
    # of one date left the rules page unable to say which applies (the first is withdrawn,
    # its values kept in the audit trail, as a withdrawal keeps them).
    replaced = None
    if rules is not None and effective_from > today and effective_from == date(year, 1, 1):
        replaced = next(
            (
                v
                for v in rules_versions_of(rules)
                if v.effective_from == effective_from and v.applied_at is not None
            ),
            None,
        )
    if replaced is not None:
        _withdraw(
            actor=actor,
            rules=rules,
            version=replaced,
            reason=REPLACED_REASON,
        )
        rules.__dict__.pop("_versions", None)
    now = timezone.now()
    version = ProgrammeRulesVersion.objects.create(
        region=region,
        year=year,
        effective_from=effective_from,
        published_by=actor,
        published_at=now,
        **clean,
    )
    if categories:
        version.eligible_categories.set(categories)
    if replaced is not None:
        _apply(rules, version, now)
    elif rules is None:
        # A year without rules yet: its row starts with these values (nothing is committed).
        rules = ProgrammeRules.objects.create(region=region, year=year, **clean)
        version.applied_at = now
        ProgrammeRulesVersion.objects.filter(pk=version.pk).update(applied_at=now)
    else:
        rules_apply_due(rules, today=today)
        version.refresh_from_db(fields=["applied_at"])
    audit_record(
        actor=actor,
        obj=version,
        action=AuditEntry.Action.PUBLISH,
        data={
            "region": region.code,
            "year": year,
            "effective_from": effective_from.isoformat(),
            "applied": version.applied_at is not None,
            **{k: (str(v) if v is not None else None) for k, v in clean.items()},
            "eligible_categories": [c.code for c in categories],
        },
    )
    return version


@transaction.atomic(durable=True)
def rules_version_withdraw(*, actor: User, version_id: int, reason: str) -> None:
    """The operator withdraws a version still waiting for its date (a typo in the budget, a
    decision reversed): it is deleted, and the audit trail keeps its values and the reason.
    A version in force is never withdrawn: vouchers were issued under it, and the rules
    change by publishing a new version."""
    if not can_publish_rules(actor):
        raise NotAllowed(_("Only the programme operator withdraws programme rules."))
    reason = written_text(reason, field="reason", limit=REASON_MAX)
    found = ProgrammeRulesVersion.objects.filter(pk=version_id).values("region_id", "year").first()
    if found is None:
        raise _withdrawn_already()
    # The district-year row first, as publishing and every money move lock it.
    rules = ProgrammeRules.objects.select_for_update().get(
        region_id=found["region_id"], year=found["year"]
    )
    today = programme_today()
    rules_apply_due(rules, today=today)
    version = next((v for v in rules_versions_of(rules) if v.pk == version_id), None)
    if version is None:
        raise _withdrawn_already()
    if version.applied_at is not None and version.effective_from > today:
        # Next year's first rules, in place since published: not "in force since" a date
        # still to come.
        raise InvalidTransition(
            _(
                "These are the first rules of %(year)s, in place since they were published on "
                "%(published)s, and cannot be withdrawn: publish rules from %(date)s again to "
                "replace them."
            )
            % {
                "year": version.year,
                "published": timezone.localdate(version.published_at).isoformat(),
                "date": version.effective_from.isoformat(),
            },
            code="version_in_force",
        )
    if version.applied_at is not None or version.effective_from <= today:
        raise InvalidTransition(
            _(
                "This version is in force since %(date)s and cannot be withdrawn: publish a "
                "new version to change the rules."
            )
            % {"date": version.effective_from.isoformat()},
            code="version_in_force",
        )
    _withdraw(actor=actor, rules=rules, version=version, reason=reason)


def rules_version_withdrawal(version_id) -> AuditEntry | None:
    """The audit entry of a version's withdrawal (by the operator, or replaced by rules
    published for the same first day), or None. The version itself is deleted: a second try
    from a stale tab or a retried request is told it was withdrawn, not "not found"."""
    return (
        AuditEntry.objects.filter(
            object_type=ProgrammeRulesVersion._meta.label_lower,
            object_id=str(version_id),
            action=AuditEntry.Action.WITHDRAW,
        )
        .order_by("-pk")
        .first()
    )


def _withdrawn_already() -> InvalidTransition:
    return InvalidTransition(_("This version was withdrawn already."), code="version_withdrawn")


def _withdraw(*, actor: User, rules: ProgrammeRules, version, reason: str) -> None:
    """Delete a version, its values and the reason kept in the audit trail."""
    audit_record(
        actor=actor,
        obj=version,
        action=AuditEntry.Action.WITHDRAW,
        reason=reason,
        data={
            "region": rules.region.code,
            "year": version.year,
            "effective_from": version.effective_from.isoformat(),
            **{
                name: str(value) if isinstance(value, Decimal) else value
                for name, value in ((name, getattr(version, name)) for name in RULE_FIELDS)
            },
            "eligible_categories": sorted(c.code for c in version.eligible_categories.all()),
        },
    )
    version.delete()
