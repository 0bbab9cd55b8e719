"""E-mail notifications, sent by a Celery task after the transaction that caused them commits.

A rolled-back action never e-mails anybody; the task takes plain strings, so a retry sends
the same message.
"""

from portal.outbox import enqueue


def notify_after_commit(*, recipients: list[str], subject: str, body: str) -> None:
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    enqueue("regions.tasks.send_notification", recipients=recipients, subject=subject, body=body)
