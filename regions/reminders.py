"""Reminders: vouchers about to expire (to their enterprise) and work waiting past the
district's service level (to its officials), by e-mail once a day and on the dashboards.

The daily beat task (`regions.tasks.send_reminders`) sends each recipient one e-mail per kind
and day: the `ReminderSent` row is written with the e-mail's outbox row in one transaction,
and its unique constraint (kind, recipient, day) makes a re-delivered task send nothing
twice. A user who turned reminders off (Notification settings) gets none by e-mail; the
dashboards still show them.
"""

import functools
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from portal.links import portal_url
from portal.notifications import notify_after_commit
from regions.models import NotificationPreference, ProgrammeRules, ReminderSent, User
from regions.selectors import programme_today

EXPIRY_WINDOW_DAYS = 30
# A district without rules for the year (ProgrammeRules.service_level_days' default).
DEFAULT_SERVICE_LEVEL_DAYS = 5


@dataclass
class Reminder:
    kind: str
    count: int
    text: str
    url_name: str


def service_levels(year: int | None = None) -> dict[int, int]:
    """Each district's service level in days, from its rules of the year (5 by default)."""
    year = year or programme_today().year
    return dict(
        ProgrammeRules.objects.filter(year=year).values_list("region_id", "service_level_days")
    )


def vouchers_expiring(*, enterprise_id: int | None = None, now=None):
    from vouchers.models import Voucher

    now = now or timezone.now()
    vouchers = Voucher.objects.filter(
        status=Voucher.Status.ACTIVE,
        expires_at__gt=now,
        expires_at__lte=now + timedelta(days=EXPIRY_WINDOW_DAYS),
    )
    if enterprise_id is not None:
        vouchers = vouchers.filter(enterprise_id=enterprise_id)
    return vouchers


def applications_waiting(*, region_id: int, days: int, now=None):
    from vouchers.models import VoucherApplication

    now = now or timezone.now()
    return VoucherApplication.objects.filter(
        region_id=region_id,
        status=VoucherApplication.Status.SUBMITTED,
        submitted_at__lt=now - timedelta(days=days),
    )


def redemptions_waiting(*, region_id: int, days: int, now=None):
    from vouchers.models import Redemption

    now = now or timezone.now()
    return Redemption.objects.filter(
        issuing_region_id=region_id,
        status=Redemption.Status.PENDING,
        claimed_at__lt=now - timedelta(days=days),
    )


def unanswered_objections(*, region_id: int, days: int, now=None):
    """Objections to the district's providers' public notices still unanswered past its
    service level."""
    from providers.models import ProviderObjection

    now = now or timezone.now()
    return ProviderObjection.objects.filter(
        notice__provider__region_id=region_id,
        answered_at__isnull=True,
        raised_at__lt=now - timedelta(days=days),
    )


def objections_waiting(*, region_id: int, days: int, now=None) -> int:
    return unanswered_objections(region_id=region_id, days=days, now=now).count()


def official_waiting(*, region_id: int, days: int, now) -> dict[str, QuerySet]:
    """The district's three kinds of work waiting longer than `days`, as querysets to count
    (in one query: `counts_in_one_query`; the official dashboard adds its queues to it)."""
    return {
        ReminderSent.Kind.APPLICATIONS_WAITING: applications_waiting(
            region_id=region_id, days=days, now=now
        ),
        ReminderSent.Kind.REDEMPTIONS_WAITING: redemptions_waiting(
            region_id=region_id, days=days, now=now
        ),
        ReminderSent.Kind.OBJECTIONS_WAITING: unanswered_objections(
            region_id=region_id, days=days, now=now
        ),
    }


def _official_counts(region_id: int, days: int, now) -> dict[str, int]:
    from regions.sources import counts_in_one_query

    return counts_in_one_query(official_waiting(region_id=region_id, days=days, now=now))


def official_reminders(counts: dict[str, int], days: int) -> list[Reminder]:
    """The reminders of an official whose district has `counts` of each kind waiting."""
    return [
        Reminder(kind, count, waiting_text(kind, count, days), OFFICIAL_LINKS[kind])
        for kind, count in counts.items()
        if count
    ]


# Where each kind of waiting work is handled.
OFFICIAL_LINKS = {
    ReminderSent.Kind.APPLICATIONS_WAITING: "official-application-queue",
    ReminderSent.Kind.REDEMPTIONS_WAITING: "redemptions-to-approve",
    ReminderSent.Kind.OBJECTIONS_WAITING: "official-dashboard",
}


def waiting_text(kind: str, count: int, days: int) -> str:
    """What follows the count: "1 application waiting ...", "2 applications waiting ..."."""
    if kind == ReminderSent.Kind.APPLICATIONS_WAITING:
        text = ngettext(
            "application waiting longer than %(days)s days",
            "applications waiting longer than %(days)s days",
            count,
        )
    elif kind == ReminderSent.Kind.REDEMPTIONS_WAITING:
        text = ngettext(
            "redemption waiting longer than %(days)s days",
            "redemptions waiting longer than %(days)s days",
            count,
        )
    else:
        text = ngettext(
            "objection waiting longer than %(days)s days",
            "objections waiting longer than %(days)s days",
            count,
        )
    return text % {"days": days}


def reminders_for(user, *, now=None) -> list[Reminder]:
    """What the dashboards remind a user of now (the same the daily e-mail says)."""
    now = now or timezone.now()
    if not (user and user.is_authenticated):
        return []
    if user.is_enterprise and user.enterprise_id:
        count = vouchers_expiring(enterprise_id=user.enterprise_id, now=now).count()
        if not count:
            return []
        return [
            Reminder(
                ReminderSent.Kind.VOUCHER_EXPIRING,
                count,
                ngettext(
                    "voucher expires within %(days)s days",
                    "vouchers expire within %(days)s days",
                    count,
                )
                % {"days": EXPIRY_WINDOW_DAYS},
                "voucher-list",
            )
        ]
    if user.is_official and user.region_id:
        days = service_levels().get(user.region_id, DEFAULT_SERVICE_LEVEL_DAYS)
        return official_reminders(_official_counts(user.region_id, days, now), days)
    return []


def _work_waiting_context(kind: str, count: int, days: int) -> dict:
    return {
        "count": count,
        "what": waiting_text(kind, count, days),
        "url": portal_url(OFFICIAL_LINKS[kind]),
    }


def _send_once(*, kind: str, recipient: str, day, count: int, template: str, context) -> bool:
    """Record and queue one reminder; False when it was sent today already. `context` as
    `notify_after_commit` takes it."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(kind=kind, recipient=recipient, day=day, count=count)
            notify_after_commit(
                recipients=[recipient],
                kind=NotificationPreference.Kind.REMINDERS,
                email=template,
                context=context,
            )
    except IntegrityError:
        return False
    return True


def reminders_send(*, now=None) -> int:
    """The daily task's work: one e-mail per recipient, kind and day. Returns how many."""
    from vouchers.models import Enterprise

    now = now or timezone.now()
    day = timezone.localdate(now, timezone=ZoneInfo(settings.TIME_ZONE))
    sent = 0
    per_enterprise = (
        vouchers_expiring(now=now).values("enterprise_id").annotate(n=Count("id")).order_by()
    )
    for row in per_enterprise:
        enterprise = Enterprise.objects.get(pk=row["enterprise_id"])
        serials = list(
            vouchers_expiring(enterprise_id=enterprise.pk, now=now)
            .order_by("expires_at")
            .values_list("serial", flat=True)
        )
        recipients = {enterprise.contact_email} | set(
            enterprise.users.filter(is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        for recipient in sorted(r for r in recipients if r):
            sent += _send_once(
                kind=ReminderSent.Kind.VOUCHER_EXPIRING,
                recipient=recipient,
                day=day,
                count=row["n"],
                template="regions/reminder_vouchers_expiring",
                context={
                    "serials": ", ".join(serials),
                    "days": EXPIRY_WINDOW_DAYS,
                    "url": portal_url("voucher-list"),
                },
            )
    for region_id, days in service_levels(day.year).items():
        counts = {k: c for k, c in _official_counts(region_id, days, now).items() if c}
        if not counts:
            continue
        officials = User.objects.filter(
            role=User.Role.OFFICIAL, region_id=region_id, is_active=True
        ).exclude(email="")
        for official in officials:
            for kind, count in counts.items():
                sent += _send_once(
                    kind=kind,
                    recipient=official.email,
                    day=day,
                    count=count,
                    template="regions/reminder_work_waiting",
                    # Called in the official's language: `what` is words.
                    context=functools.partial(_work_waiting_context, kind, count, days),
                )
    return sent
