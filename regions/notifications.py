"""E-mail notifications, sent by a Celery task after the transaction that caused them commits.

A rolled-back action never e-mails anybody; the task takes plain strings, so a retry sends
the same message.
"""

from django.db import transaction


def notify_after_commit(*, recipients: list[str], subject: str, body: str) -> None:
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    from regions.tasks import send_notification

    transaction.on_commit(
        lambda: send_notification.delay(recipients=recipients, subject=subject, body=body)
    )


def official_emails(region_id: int) -> list[str]:
    from regions.models import User

    return list(
        User.objects.filter(role=User.Role.OFFICIAL, region_id=region_id, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def operator_emails() -> list[str]:
    from regions.models import User

    return list(
        User.objects.filter(role=User.Role.OPERATOR, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
