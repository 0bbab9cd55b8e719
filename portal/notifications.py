"""E-mail notifications, sent by a Celery task after the transaction that caused them commits.

A rolled-back action never e-mails anybody; the task takes plain strings, so a retry sends
the same message. A notification of a `kind` (NotificationPreference.Kind) skips the
addresses whose user turned that kind off on the "Notification settings" page. Each reader
gets the e-mail in their own language (portal/emails.py): one message per language.
"""

from django.conf import settings

from portal.emails import addresses_by_language, current_language, render_email_in
from portal.outbox import enqueue


def _readers(recipients: list[str], kind: str | None) -> tuple[dict[str, str], set[str]]:
    """({address: the language its user reads}, {addresses whose user turned `kind` off}),
    in one query."""
    from django.db.models import Exists, OuterRef, Value

    from regions.models import NotificationPreference, User

    turned_off = (
        Exists(NotificationPreference.objects.filter(user=OuterRef("pk"), kind=kind, email=False))
        if kind
        else Value(False)
    )
    languages, off = {}, set()
    rows = User.objects.filter(email__in=recipients).annotate(off=turned_off)
    for address, language, is_off in rows.values_list("email", "language", "off"):
        if language:
            languages[address] = language
        if is_off:
            off.add(address)
    return languages, off


def notify_after_commit(*, recipients: list[str], email: str, context, kind: str | None = None):
    """E-mail `email` (templates/emails/) to `recipients` once the transaction commits, each in
    their language, leaving out those who turned `kind` off. `context`: the template's context,
    or a function that returns it, called in each language needed (so that names and words it
    computes come in that language)."""
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    languages, off = _readers(recipients, kind)
    wanted = [r for r in recipients if r not in off]
    for language, addresses in addresses_by_language(wanted, languages=languages).items():
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
