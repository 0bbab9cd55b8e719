"""Each user's choice of which notifications reach them by e-mail (no row: they do).
`portal.notifications.notify_after_commit` reads it when it queues an e-mail of a kind."""

from django.db import transaction

from regions.models import NotificationPreference, User


def notification_preferences_of(user: User) -> list[dict]:
    """Every kind with its label and whether the user gets it by e-mail."""
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
