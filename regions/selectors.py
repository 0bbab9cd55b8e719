"""Reads of districts, rules and budgets."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from regions.models import Notice, ProgrammeRules, Region, User


def region_list():
    return Region.objects.order_by("id")


def current_year() -> int:
    return timezone.localdate().year


def rules_for(*, region: Region, year: int | None = None) -> ProgrammeRules | None:
    return ProgrammeRules.objects.filter(region=region, year=year or current_year()).first()


def rules_of_voucher(voucher) -> ProgrammeRules | None:
    """The rules that govern an issued voucher (its district and year)."""
    return ProgrammeRules.objects.filter(
        region_id=voucher.issuing_region_id, year=voucher.year
    ).first()


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


def notices_published(*, region_code: str | None = None, kind: str | None = None):
    """Every notice, newest first; `region_code` adds the programme's own (region empty)."""
    notices = (
        Notice.objects.filter(withdrawn_at__isnull=True)
        .select_related("region")
        .order_by("-published_at", "-id")
    )
    if region_code:
        notices = notices.filter(Q(region__code=region_code) | Q(region__isnull=True))
    if kind:
        notices = notices.filter(kind=kind)
    return notices


def _local(moment) -> str:
    """A date and time in the programme's time zone (the API otherwise speaks UTC), with its
    offset, read the same way in both languages."""
    programme_time = timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE))
    return programme_time.strftime("%Y-%m-%d %H:%M (UTC%z)")


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
            "opens": _local(upcoming.opens_at),
            "closes": _local(upcoming.closes_at),
        }
    last = calls.order_by("-closes_at").first()
    return _(
        "Applications are not open in this district now: the last call, “%(title)s”, closed "
        "on %(closes)s. Watch the notices for the next call."
    ) % {
        "title": last.shown_title(),
        "closes": _local(last.closes_at),
    }


def people_visible_to(user, *, role: str | None = None, q: str | None = None):
    """Accounts a manager sees: the operator every account, an official its district's
    officials."""
    if not (user and user.is_authenticated and (user.is_operator or user.is_official)):
        return User.objects.none()
    people = User.objects.select_related("region").order_by("role", "username")
    if user.is_official:
        people = people.filter(role=User.Role.OFFICIAL, region_id=user.region_id)
    if role in User.Role.values:
        people = people.filter(role=role)
    if q:
        people = people.filter(
            Q(username__icontains=q) | Q(email__icontains=q) | Q(last_name__icontains=q)
        )
    return people
