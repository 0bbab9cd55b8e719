"""Each user's choice of which notifications reach them by e-mail (no row: they do).
`portal.notifications.notify_after_commit` reads it when it queues an e-mail of a kind."""

from django.db import transaction

from regions.models import NotificationPreference, User

# Roles no e-mail of a kind reaches: an expert and a technology manager are e-mailed what is
# asked of them (assignments, messages, brokering requests), which they cannot turn off.
ROLES_WITHOUT_KINDS = {User.Role.EXPERT, User.Role.MANAGER}


def notification_preferences_of(user: User) -> list[dict]:
    """Every kind with its label and whether the user gets it by e-mail; none for a role
    that no kind of e-mail reaches (the page offered them five that never would)."""
    if user.role in ROLES_WITHOUT_KINDS:
        return []
    off = set(
        NotificationPreference.objects.filter(user=user, email=False).values_list("kind", flat=True)
    )
    return [
        {"kind": kind, "label": label, "email": kind not in off}
        for kind, label in NotificationPreference.Kind.choices
    ]


@transaction.atomic(durable=True)
def notification_preferences_set(*, user: User, email_on: dict[str, bool]) -> None:
    """Save the user's choices; unknown kinds are ignored."""
    for kind, on in email_on.items():
        if kind not in NotificationPreference.Kind.values:
            continue
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": bool(on)}
        )
