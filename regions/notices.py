"""Writes of the programme's public notices: policy documents, calls for applications (with
their application window), FAQs and news, published by officials for their district and by
the operator for any district or the whole programme."""

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from portal.edits import check_not_edited_meanwhile
from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.security import written_text
from regions.models import AuditEntry, Notice, Region, User
from regions.selectors import call_publish_warning
from regions.services import audit_record

TITLE_MAX = 200
# Far-off dates are typing mistakes, and dates past year 9999 in local time break every page.
CALL_HORIZON = timedelta(days=3653)
BODY_MAX = 20000
# What a notice's correction changes (its kind and district stay).
NOTICE_EDITABLE_FIELDS = ("title", "title_zh", "body", "body_zh", "opens_at", "closes_at")


def can_publish_notices(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_operator or user.is_official))


def _checked_fields(*, kind, region, title, body, title_zh, body_zh, opens_at, closes_at) -> dict:
    """The notice's texts and window, checked; a call needs a window still to come or open."""
    # In English, in Chinese or in both: a district may publish in Chinese alone, and each
    # reader gets the language there is (`Notice.shown_title`).
    title_zh = written_text(title_zh, field="title_zh", limit=TITLE_MAX, required=False)
    body_zh = written_text(body_zh, field="body_zh", limit=BODY_MAX, required=False)
    title = written_text(title, field="title", limit=TITLE_MAX, required=False)
    body = written_text(body, field="body", limit=BODY_MAX, required=False)
    # Said on the English fields, where the form starts, but naming both languages: "Title
    # (English): This field is required." read as if a Chinese title were not enough.
    if not title and not title_zh:
        raise ValidationFailed(
            _("Give the notice a title, in English or Chinese."), field="title", code="required"
        )
    if not body and not body_zh:
        raise ValidationFailed(
            _("Give the notice a text, in English or Chinese."), field="body", code="required"
        )
    if kind == Notice.Kind.CALL:
        if region is None:
            raise ValidationFailed(
                _("A call for applications belongs to one district."), field="region"
            )
        if opens_at is None or closes_at is None:
            raise ValidationFailed(
                _("A call for applications needs the dates it opens and closes."),
                field="opens_at" if opens_at is None else "closes_at",
                code="required",
            )
        if opens_at >= closes_at:
            raise ValidationFailed(
                _("The call must close after it opens."), field="closes_at", code="invalid"
            )
        if abs(closes_at - timezone.now()) > CALL_HORIZON or abs(opens_at - timezone.now()) > (
            CALL_HORIZON
        ):
            raise ValidationFailed(
                _("A call's dates must lie within ten years of today."),
                field="closes_at",
                code="invalid",
            )
        if closes_at <= timezone.now():
            raise ValidationFailed(
                _("This call would already be closed."), field="closes_at", code="invalid"
            )
    elif opens_at is not None or closes_at is not None:
        # Dropped unsaid, they read as kept (dates in the wrong order were "accepted").
        raise ValidationFailed(
            _(
                "Only a call for applications opens and closes: leave the dates empty for "
                "this kind of notice."
            ),
            field="opens_at" if opens_at is not None else "closes_at",
            code="invalid",
        )
    return {
        "title": title,
        "title_zh": title_zh,
        "body": body,
        "body_zh": body_zh,
        "opens_at": opens_at,
        "closes_at": closes_at,
    }


@transaction.atomic(durable=True)
def notice_publish(
    *,
    actor: User,
    kind: str,
    title: str = "",
    body: str = "",
    title_zh: str = "",
    body_zh: str = "",
    region: Region | None = None,
    opens_at=None,
    closes_at=None,
) -> Notice:
    """Publish a notice at once. An official publishes for its own district only; the
    operator for any district, or for the programme (no district). A call needs an
    application window that has not closed yet."""
    if not can_publish_notices(actor):
        raise NotAllowed(_("Only officials and the operator publish notices."))
    if actor.is_official:
        if region is not None and region.pk != actor.region_id:
            raise NotAllowed(_("Officials publish notices for their own district only."))
        region = actor.region
    if kind not in Notice.Kind.values:
        raise ValidationFailed(_("Choose the kind of notice."), field="kind", code="invalid")
    fields = _checked_fields(
        kind=kind,
        region=region,
        title=title,
        body=body,
        title_zh=title_zh,
        body_zh=body_zh,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    notice = Notice.objects.create(kind=kind, region=region, published_by=actor, **fields)
    audit_record(
        actor=actor,
        obj=notice,
        action=AuditEntry.Action.CREATE,
        data={"kind": kind, "region": region.code if region else None},
    )
    return notice


def call_warning_for(user, *, kind, region, opens_at, closes_at, notice=None) -> str | None:
    """`call_publish_warning` for the call `user` is about to publish (or `notice`, a call
    about to be moved); read before the service runs, as it compares with the district's
    calls as they are. The page flashes it after saving, the API returns it as `warning`."""
    if kind != Notice.Kind.CALL or opens_at is None:
        return None
    if abs(opens_at - timezone.now()) > CALL_HORIZON:
        # Refused by the service next; shown in local time, year 9999 does not even exist.
        return None
    region = user.region if user.is_official and notice is None else region
    if region is None:
        return None
    return call_publish_warning(
        region=region,
        opens_at=opens_at,
        closes_at=closes_at,
        notice_id=notice.pk if notice is not None else None,
    )


def can_withdraw_notice(user, notice: Notice) -> bool:
    """The operator any notice; an official those of its own district."""
    return notice.withdrawn_at is None and is_notices_keeper(user, notice)


def is_notices_keeper(user, notice: Notice) -> bool:
    """Who publishes and withdraws the notice: the operator, an official of its district. They
    still read it, and its history, once it is withdrawn (it was a 404 to them too)."""
    if not can_publish_notices(user):
        return False
    return user.is_operator or (notice.region_id is not None and notice.region_id == user.region_id)


@transaction.atomic(durable=True)
def notice_withdraw(*, actor: User, notice: Notice, reason: str) -> Notice:
    """Take a notice off the public site, with a reason; a withdrawn call stops setting the
    district's application window at once."""
    reason = written_text(reason, field="reason", limit=BODY_MAX, required=True)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.withdrawn_at is not None:
        raise InvalidTransition(_("This notice is withdrawn already."), code="notice_withdrawn")
    if not can_withdraw_notice(actor, notice):
        raise NotAllowed(_("You cannot withdraw this notice."))
    notice.withdrawn_at = timezone.now()
    notice.withdrawn_reason = reason
    notice.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    audit_record(actor=actor, obj=notice, action=AuditEntry.Action.WITHDRAW, reason=reason)
    return notice


@transaction.atomic(durable=True)
def notice_edit(
    *,
    actor: User,
    notice: Notice,
    title: str = "",
    body: str = "",
    title_zh: str = "",
    body_zh: str = "",
    opens_at=None,
    closes_at=None,
    edited_from: str = "",
) -> Notice:
    """Correct a published notice's texts (and a call's window). Its kind and district stay:
    a notice for another district is a new notice. Who may withdraw it may edit it.
    `edited_from`: the values the edit page was opened with (portal/edits.py)."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.withdrawn_at is not None:
        raise InvalidTransition(_("This notice is withdrawn already."), code="notice_withdrawn")
    if not can_withdraw_notice(actor, notice):
        raise NotAllowed(_("You cannot edit this notice."))
    check_not_edited_meanwhile(notice, NOTICE_EDITABLE_FIELDS, edited_from)
    fields = _checked_fields(
        kind=notice.kind,
        region=notice.region,
        title=title,
        body=body,
        title_zh=title_zh,
        body_zh=body_zh,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    changed = sorted(name for name, value in fields.items() if getattr(notice, name) != value)
    if not changed:
        return notice
    changes = [_recorded_change(name, getattr(notice, name), fields[name]) for name in changed]
    for name in changed:
        setattr(notice, name, fields[name])
    notice.save(update_fields=changed)
    audit_record(
        actor=actor,
        obj=notice,
        action=AuditEntry.Action.UPDATE,
        data={"changed": changed, "changes": changes},
    )
    return notice


# A notice's texts run to BODY_MAX characters: their edits record the lengths, not the words
# (the notice shows the words now).
NOTICE_TEXT_FIELDS = ("body", "body_zh")


def _recorded_change(name: str, before, after) -> dict:
    """One changed field as the audit entry keeps it: {"field", "before", "after"} (a date as
    ISO 8601 in UTC, none as ""), a text by its lengths {"field", "length_before",
    "length_after"}."""
    if name in NOTICE_TEXT_FIELDS:
        return {"field": name, "length_before": len(before or ""), "length_after": len(after or "")}

    def recorded(value):
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        return value or ""

    return {"field": name, "before": recorded(before), "after": recorded(after)}


def notice_edits(entries) -> list[dict]:
    """The edits among a notice's audit entries (read already, in order), as its page shows
    them: [{"at", "actor", "changes"}], each change {"field", "shown", ...} where "shown" is
    "value" (with "before" and "after"), "date" (the same, as datetimes), "length" (with
    "length_before" and "length_after") or "field" (an edit recorded before the changes were:
    the field's name alone). No query."""
    edits = []
    for entry in entries:
        data = entry.data if isinstance(entry.data, dict) else {}
        if entry.action != AuditEntry.Action.UPDATE:
            continue
        if "changes" in data:
            changes = [_shown_change(change) for change in data["changes"]]
        else:
            changes = [{"field": name, "shown": "field"} for name in data.get("changed", [])]
        if changes:
            edits.append({"at": entry.at, "actor": entry.actor, "changes": changes})
    return edits


def _shown_change(change: dict) -> dict:
    if "length_after" in change:
        return {**change, "shown": "length"}
    if change.get("field") in ("opens_at", "closes_at"):
        return {
            **change,
            "shown": "date",
            "before": parse_datetime(change.get("before") or ""),
            "after": parse_datetime(change.get("after") or ""),
        }
    return {**change, "shown": "value"}
