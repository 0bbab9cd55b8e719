"""Who may do what in the regions app: one small function per question, used by the views,
the API, the services and the templates alike."""

from regions.models import Region


def can_see_budget(user, region: Region) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_operator or (user.is_official and user.region_id == region.id)


def can_run_settlement(user) -> bool:
    return bool(user.is_authenticated and user.is_operator)


def can_view_settlement(user) -> bool:
    return bool(user.is_authenticated and (user.is_operator or user.is_official))


def can_view_statement(user, region: Region) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_operator or (user.is_official and user.region_id == region.pk))
    )
