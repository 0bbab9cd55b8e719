"""Reads of districts, rules and budgets."""

from django.utils import timezone

from regions.models import ProgrammeRules, Region, User


def region_list():
    return Region.objects.order_by("id")


def current_year() -> int:
    return timezone.localdate().year


def rules_for(*, region: Region, year: int | None = None) -> ProgrammeRules | None:
    return ProgrammeRules.objects.filter(region=region, year=year or current_year()).first()


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
