"""E-mail notifications, sent by a Celery task after the transaction that caused them commits.

A rolled-back action never e-mails anybody; the task takes plain strings, so a retry sends
the same message. A notification of a `kind` (NotificationPreference.Kind) skips the
addresses whose user turned that kind off on the "Notification settings" page. Each reader
gets the e-mail in their own language (portal/emails.py): one message per language.
"""

from django.conf import settings

from portal.emails import addresses_by_language, current_language, render_email_in
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


def notify_after_commit(*, recipients: list[str], email: str, context, kind: str | None = None):
    """E-mail `email` (templates/emails/) to `recipients` once the transaction commits, each in
    their language. `context`: the template's context, or a function that returns it, called
    in each language needed (so that names and words it computes come in that language)."""
    recipients = recipients_wanting(recipients, kind)
    if not recipients:
        return
    for language, addresses in addresses_by_language(recipients).items():
        subject, body = render_email_in(language, email, context)
        enqueue("regions.tasks.send_notification", recipients=addresses, subject=subject, body=body)


def notify_officials_after_commit(*, region_id: int, email: str, context) -> None:
    """E-mail the district's officials once the transaction commits; their addresses (and
    languages) are read by the task when it sends, not by the caller. The message is written
    in every language of the portal; the task gives each official theirs."""
    messages = {
        language: list(render_email_in(language, email, context))
        for language, _name in settings.LANGUAGES
    }
    enqueue(
        "regions.tasks.notify_officials",
        region_id=region_id,
        messages=messages,
        fallback=current_language(),
    )
