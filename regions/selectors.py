"""Reads of districts, rules and budgets."""

from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from regions.models import (
    AuditEntry,
    Notice,
    ProgrammeRules,
    ProgrammeRulesVersion,
    Region,
    User,
)
from regions.models.rules import RULE_FIELDS


def region_list():
    return Region.objects.order_by("id")


# District code -> id, read once per process: the four rows come from a data migration and
# their codes never change (the admin shows them read-only), and a list filtered by district
# then needs no subquery of its own.
_region_ids: dict[str, int] = {}


def region_id_for_code(code: str) -> int | None:
    """The id of the district with this code (any case), or None."""
    code = code.upper()
    if code not in _region_ids:
        found = Region.objects.filter(code=code).values_list("id", flat=True).first()
        if found is None:
            return None
        _region_ids[code] = found
    return _region_ids[code]


def programme_today():
    """Today in the programme's time zone, whatever zone the request reads times in (the API
    reads UTC): the day rules take effect and reminders are counted by."""
    return timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))


def programme_first_year() -> int | None:
    """The year of the programme's first rules (None before any): the first year anything
    could be issued, claimed or paid."""
    return ProgrammeRules.objects.order_by("year").values_list("year", flat=True).first()


def current_year() -> int:
    return timezone.localdate().year


def rules_for(*, region: Region, year: int | None = None) -> ProgrammeRules | None:
    return ProgrammeRules.objects.filter(region=region, year=year or current_year()).first()


def rules_of_voucher(voucher) -> ProgrammeRulesVersion | ProgrammeRules | None:
    """The rules that govern an issued voucher: the version in force when it was issued (its
    snapshot; a later version never changes it), or, for a voucher issued before rules had
    versions, its district-year row. Both carry the same field names."""
    if voucher.rules_version_id:
        return ProgrammeRulesVersion.objects.prefetch_related("eligible_categories").get(
            pk=voucher.rules_version_id
        )
    return ProgrammeRules.objects.filter(
        region_id=voucher.issuing_region_id, year=voucher.year
    ).first()


def rules_version_in_force(*, region_id: int, year: int, on=None) -> ProgrammeRulesVersion | None:
    """The version of a district-year's rules in force on `on` (today): the newest whose date
    has come. Right even before the daily task copies a new version onto the row."""
    return (
        _versions_in_force(region_id=region_id, year=year, on=on)
        .select_related("region", "published_by")
        .prefetch_related("eligible_categories")
        .first()
    )


def with_budget_ceilings(rows: list[ProgrammeRules]) -> list[ProgrammeRules]:
    """`rows` with each one's budget ceiling (`ProgrammeRules.budget_ceiling`: a smaller
    budget waiting for its date lowers what may be committed) and the versions waiting with
    a smaller budget than the one in force (`ProgrammeRules.smaller_budgets_waiting`), read
    in one query."""
    if not rows:
        return rows
    waiting = defaultdict(list)
    versions = (
        ProgrammeRulesVersion.objects.filter(
            region_id__in={r.region_id for r in rows},
            year__in={r.year for r in rows},
            applied_at__isnull=True,
        )
        .only("region_id", "year", "effective_from", "annual_budget")
        .order_by("effective_from", "id")
    )
    for version in versions:
        waiting[(version.region_id, version.year)].append(version)
    for row in rows:
        smaller = [
            version
            for version in waiting.get((row.region_id, row.year), [])
            if version.annual_budget < row.annual_budget
        ]
        row._smaller_budgets_waiting = smaller
        row._budget_ceiling = min([row.annual_budget, *(v.annual_budget for v in smaller)])
    return rows


def rules_values_in_force(*, region_id: int, year: int, on=None) -> dict:
    """The values a new version of a district-year's rules from `on` (today) starts from:
    those in force then; {} when the district has no rules to start from. What the
    publishing form shows, and what `rules_version_publish` keeps for every value a new
    version leaves out (from the version in force just before the new one's date: today's
    rules would undo a version waiting in between).

    In order: the year's version in force on `on` (one still waiting for its date included);
    the year's first version when `on` comes before it (a year's first version is in place
    from the day it is published, whatever its date); the year's row (a year without
    versions). A year without any rules yet starts from the previous year's: its last
    version, the one in force when that year ends. Left at the model's defaults, next
    year's first version through the API turned four eyes off and made every category
    eligible."""
    current = _rules_of_year(region_id=region_id, year=year, on=on)
    if current is None:
        current = _rules_of_year(region_id=region_id, year=year - 1, on=date(year - 1, 12, 31))
    if current is None:
        return {}
    values = {name: getattr(current, name) for name in RULE_FIELDS}
    if isinstance(current, ProgrammeRulesVersion):
        values["eligible_categories"] = list(current.eligible_categories.all())
    return values


def _rules_of_year(
    *, region_id: int, year: int, on
) -> ProgrammeRulesVersion | ProgrammeRules | None:
    """`rules_values_in_force`'s choice within one year: the version in force on `on`, else
    the year's first version, else the year's row."""
    current = rules_version_in_force(region_id=region_id, year=year, on=on)
    if current is None:
        current = (
            ProgrammeRulesVersion.objects.filter(region_id=region_id, year=year)
            .prefetch_related("eligible_categories")
            .order_by("effective_from", "published_at", "id")
            .first()
        )
    if current is None:
        current = ProgrammeRules.objects.filter(region_id=region_id, year=year).first()
    return current


# Newest in force first: the first whose date has come is the one in force.
VERSION_ORDER = ("-effective_from", "-published_at", "-id")


def _versions_in_force(*, region_id: int, year: int, on=None):
    on = on or programme_today()
    return ProgrammeRulesVersion.objects.filter(
        region_id=region_id, year=year, effective_from__lte=on
    ).order_by(*VERSION_ORDER)


def rules_versions(*, region_code: str | None = None, year: int | None = None):
    """Every published version, newest first (anyone reads them)."""
    versions = (
        ProgrammeRulesVersion.objects.select_related("region", "published_by")
        .prefetch_related("eligible_categories")
        .order_by("-published_at", "-id")
    )
    if region_code:
        versions = versions.filter(region__code=region_code)
    if year:
        versions = versions.filter(year=year)
    return versions


def category_refusal(voucher, category_ids) -> str | None:
    """Why the voucher's rules snapshot refuses a service of these categories, or None.

    `category_ids`: the offering's category, or (no offering) the provider's categories, one
    of which must be eligible. An empty eligible list means every category."""
    version = voucher.rules_version
    if version is None:
        return None
    eligible = {c.pk for c in version.eligible_categories.all()}
    if not eligible or eligible & set(category_ids):
        return None
    # "A, B" in English, "A、B" in Chinese.
    names = pgettext("list separator", ", ").join(
        c.display_name for c in version.eligible_categories.all()
    )
    return _("Voucher %(serial)s pays only for services in these categories: %(names)s.") % {
        "serial": voucher.serial,
        "names": names,
    }


def official_emails(region_id: int) -> list[str]:
    return list(
        User.objects.filter(role=User.Role.OFFICIAL, region_id=region_id, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def operator_emails() -> list[str]:
    return list(
        User.objects.filter(role=User.Role.OPERATOR, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def notices_withdrawn_kept_by(user):
    """The withdrawn notices the user kept (the operator: all; an official: its district's),
    latest withdrawal first: the list shows only what is published."""
    notices = Notice.objects.filter(withdrawn_at__isnull=False).select_related("region")
    if user.is_operator:
        return notices.order_by("-withdrawn_at", "-id")
    if user.is_official and user.region_id:
        return notices.filter(region_id=user.region_id).order_by("-withdrawn_at", "-id")
    return notices.none()


def notices_published(
    *, region_code: str | None = None, kind: str | None = None, with_withdrawn: bool = False
):
    """Every notice, newest first; `region_code` adds the programme's own (region empty).
    `with_withdrawn` keeps the withdrawn ones too, for a read by id that then shows them only
    to those who keep them."""
    notices = Notice.objects.select_related("region").order_by("-published_at", "-id")
    if not with_withdrawn:
        notices = notices.filter(withdrawn_at__isnull=True)
    if region_code:
        notices = notices.filter(Q(region__code=region_code) | Q(region__isnull=True))
    if kind:
        notices = notices.filter(kind=kind)
    return notices


def programme_moment_text(moment) -> str:
    """A date and time in the programme's time zone (the API otherwise speaks UTC), with its
    offset, read the same way in both languages."""
    programme_time = timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE))
    # "+08:00", as the API's times and the statement files write it (it said "+0800"), in
    # the reader's parentheses.
    return (
        f"{programme_time:%Y-%m-%d %H:%M} {pgettext('opening parenthesis', '(')}"
        f"UTC{programme_time.isoformat()[-6:]}{pgettext('closing parenthesis', ')')}"
    )


def call_window_refusal(region_id: int, at=None) -> str | None:
    """Why an application in this district is refused at `at` (now), or None.

    A district that has published calls for applications takes applications only inside
    an open call's window; one without calls takes them all year."""
    at = at or timezone.now()
    calls = Notice.objects.filter(
        region_id=region_id, kind=Notice.Kind.CALL, withdrawn_at__isnull=True
    )
    if not calls.exists() or calls.filter(opens_at__lte=at, closes_at__gt=at).exists():
        return None
    upcoming = calls.filter(opens_at__gt=at).order_by("opens_at").first()
    if upcoming is not None:
        return _(
            "Applications are not open in this district now. The next call, “%(title)s”, "
            "opens on %(opens)s and closes on %(closes)s."
        ) % {
            "title": upcoming.shown_title(),
            "opens": programme_moment_text(upcoming.opens_at),
            "closes": programme_moment_text(upcoming.closes_at),
        }
    last = calls.order_by("-closes_at").first()
    return _(
        "Applications are not open in this district now: the last call, “%(title)s”, closed "
        "on %(closes)s. Watch the notices for the next call."
    ) % {
        "title": last.shown_title(),
        "closes": programme_moment_text(last.closes_at),
    }


def call_publish_warning(
    *, region: Region, opens_at, closes_at=None, notice_id: int | None = None, at=None
) -> str | None:
    """What publishing a call that opens at `opens_at` (or moving call `notice_id` there)
    does to `region`'s applications that are open at `at` (now), read before it is saved:
    the stretch right before it opens in which they stay closed, or None.

    While a district has calls it takes applications only inside an open call's window
    (`call_window_refusal`), so a district without calls, which takes them all year, is
    closed from the moment its first call is published until that call opens. Said to the
    publisher, who saw nothing of it; when applications are closed now already (unless the
    call edited is moved to open later), or a call keeps them open up to the opening, there is
    nothing to say."""
    at = at or timezone.now()
    if opens_at is None or opens_at <= at or (closes_at is not None and closes_at <= opens_at):
        return None
    windows = list(
        Notice.objects.filter(
            region=region, kind=Notice.Kind.CALL, withdrawn_at__isnull=True
        ).values_list("pk", "opens_at", "closes_at")
    )
    if windows and not any(opens <= at < closes for _, opens, closes in windows):
        # Closed now already: a new call changes nothing before it opens. A call moved to
        # open later keeps them closed longer, which its editor is told.
        before = next((opens for pk, opens, _ in windows if pk == notice_id), None)
        if before is None or opens_at <= before:
            return None
    others = [(opens, closes) for pk, opens, closes in windows if pk != notice_id]
    if any(opens < opens_at <= closes for opens, closes in others):
        return None
    closed_from = max([at, *(closes for _, closes in others if closes <= opens_at)])
    if closed_from <= at:
        return _(
            "Applications in %(district)s are closed from now until this call opens on "
            "%(opens)s: while a district has calls, it takes applications only inside an "
            "open call's window. Enterprises that try to apply meanwhile are told when it "
            "opens."
        ) % {"district": region.display_name, "opens": programme_moment_text(opens_at)}
    return _(
        "Applications in %(district)s will be closed from %(closed)s until this call opens "
        "on %(opens)s: no call is open in between."
    ) % {
        "district": region.display_name,
        "closed": programme_moment_text(closed_from),
        "opens": programme_moment_text(opens_at),
    }


def districts_without_calls(*, region_id: int | None = None) -> list[Region]:
    """The districts (or district `region_id`) that have no call for applications, withdrawn
    ones aside: they take applications all year, until a call is published."""
    regions = Region.objects.all() if region_id is None else Region.objects.filter(pk=region_id)
    return list(
        regions.exclude(
            Exists(
                Notice.objects.filter(
                    region=OuterRef("pk"), kind=Notice.Kind.CALL, withdrawn_at__isnull=True
                )
            )
        ).order_by("id")
    )


def people_visible_to(user, *, role: str | None = None, q: str | None = None):
    """Accounts a manager sees: the operator every account, an official its district's
    officials."""
    if not (user and user.is_authenticated and (user.is_operator or user.is_official)):
        return User.objects.none()
    # The district of an enterprise's or a provider's account is its organisation's (the
    # list showed "—" for them).
    people = User.objects.select_related(
        "region", "enterprise__region", "provider__region"
    ).order_by("role", "username")
    if user.is_official:
        people = people.filter(role=User.Role.OFFICIAL, region_id=user.region_id)
    if role in User.Role.values:
        people = people.filter(role=role)
    if q:
        # The name as the list shows it (`User.get_full_name`): 王芳, family name first and
        # no space, for a Chinese name; "Fang Wang" otherwise, and "Wang Fang" as many write
        # it. "王芳" found no one whose family name is 王 and given name 芳, since each part
        # was matched alone (and the given name not at all). Each part alone is inside these
        # too. Annotated: still one query.
        people = people.annotate(
            name_family_first=Concat("last_name", "first_name"),
            name_given_first=Concat("first_name", Value(" "), "last_name"),
            name_family_first_spaced=Concat("last_name", Value(" "), "first_name"),
        ).filter(
            Q(username__icontains=q)
            | Q(email__icontains=q)
            | Q(name_family_first__icontains=q)
            | Q(name_given_first__icontains=q)
            | Q(name_family_first_spaced__icontains=q)
        )
    return people


def order_category_ids(order) -> list[int]:
    """The categories a service order is in: its offering's, or (an order without one) any of
    its provider's."""
    if order.offering_id:
        return [order.offering.category_id]
    return list(order.provider.categories.values_list("pk", flat=True))


def eligibility_annotations() -> dict:
    """Annotations of a ServiceOrder query that say, without another query, whether the
    order's voucher's rules snapshot lets it pay for the order's category
    (`order_is_eligible`)."""
    from django.db.models import Exists, OuterRef

    through = ProgrammeRulesVersion.eligible_categories.through
    listed = through.objects.filter(programmerulesversion_id=OuterRef("voucher__rules_version_id"))
    return {
        "rules_restrict_categories": Exists(listed),
        "offering_category_eligible": Exists(
            listed.filter(servicecategory_id=OuterRef("offering__category_id"))
        ),
        "provider_category_eligible": Exists(
            listed.filter(servicecategory__providers=OuterRef("provider_id"))
        ),
    }


def order_is_eligible(order) -> bool:
    """Read the annotations of `eligibility_annotations`."""
    if not order.rules_restrict_categories:
        return True
    if order.offering_id:
        return order.offering_category_eligible
    return order.provider_category_eligible


ACCOUNT_ACTIONS = (
    AuditEntry.Action.CREATE,
    AuditEntry.Action.DEACTIVATE,
    # Deactivations were recorded as suspensions before they had their own word.
    AuditEntry.Action.SUSPEND,
    AuditEntry.Action.REACTIVATE,
)


def last_account_changes(people) -> dict[str, AuditEntry]:
    """The latest invitation, deactivation or reactivation of each person on the page, by
    id: who did it, when and why, beside the account's state (one query for the page)."""
    entries = (
        AuditEntry.objects.filter(
            object_type=User._meta.label_lower,
            object_id__in=[str(person.pk) for person in people],
            action__in=ACCOUNT_ACTIONS,
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )
    latest = {}
    for entry in entries:
        latest.setdefault(entry.object_id, entry)
    return latest
