"""E-mail notifications, sent by a Celery task after the transaction that caused them commits.

A rolled-back action never e-mails anybody; the task takes plain strings, so a retry sends
the same message. A notification of a `kind` (NotificationPreference.Kind) skips the
addresses whose user turned that kind off on the "Notification settings" page.
"""

from portal.outbox import enqueue


def recipients_wanting(recipients, kind: str | None) -> list[str]:
    """The addresses, without those of users who turned e-mail of `kind` off."""
    recipients = sorted({r for r in recipients if r})
    if not kind or not recipients:
        return recipients
    from regions.models import NotificationPreference

    off = set(
        NotificationPreference.objects.filter(
            kind=kind, email=False, user__email__in=recipients
        ).values_list("user__email", flat=True)
    )
    return [r for r in recipients if r not in off]


def notify_after_commit(
    *, recipients: list[str], subject: str, body: str, kind: str | None = None
) -> None:
    recipients = recipients_wanting(recipients, kind)
    if not recipients:
        return
    enqueue("regions.tasks.send_notification", recipients=recipients, subject=subject, body=body)


def notify_officials_after_commit(*, region_id: int, subject: str, body: str) -> None:
    """E-mail the district's officials once the transaction commits; their addresses are
    read by the task when it sends, not by the caller."""
    enqueue("regions.tasks.notify_officials", region_id=region_id, subject=subject, body=body)
