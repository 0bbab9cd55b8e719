"""The audit trail: who did what to which object, when, from which state to which, and why;
and the hash chain that makes it tamper-evident."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from regions.models import AppendOnlyError, User


class AuditEntry(models.Model):
    """Append-only: who did what to which object, when, from which state to which, and why."""

    class Action(models.TextChoices):
        """Every action a service records, as the history tables show it. The context keeps
        these apart from the buttons with the same English word."""

        ACCEPT = "accept", pgettext_lazy("audit action", "accepted")
        APPLY = "apply", pgettext_lazy("audit action", "applied")
        APPROVE = "approve", pgettext_lazy("audit action", "approved")
        CANCEL = "cancel", pgettext_lazy("audit action", "cancelled")
        CERTIFY = "certify", pgettext_lazy("audit action", "certified")
        CLAIM = "claim", pgettext_lazy("audit action", "claimed")
        CLOSE = "close", pgettext_lazy("audit action", "closed")
        COMPLETE = "complete", pgettext_lazy("audit action", "completed")
        COMPUTE = "compute", pgettext_lazy("audit action", "computed")
        CONFIRM = "confirm", pgettext_lazy("audit action", "confirmed")
        CONFIRM_TRANSFER = "confirm_transfer", pgettext_lazy("audit action", "transfer confirmed")
        CREATE = "create", pgettext_lazy("audit action", "created")
        DECLINE = "decline", pgettext_lazy("audit action", "declined")
        DISPUTE = "dispute", pgettext_lazy("audit action", "disputed")
        EXHAUST = "exhaust", pgettext_lazy("audit action", "used up")
        EXPIRE = "expire", pgettext_lazy("audit action", "expired")
        ISSUE = "issue", pgettext_lazy("audit action", "issued")
        MARK_PAID = "mark_paid", pgettext_lazy("audit action", "marked paid")
        RATE = "rate", pgettext_lazy("audit action", "rated")
        REACTIVATE = "reactivate", pgettext_lazy("audit action", "reactivated")
        REGISTER = "register", pgettext_lazy("audit action", "registered")
        REINSTATE = "reinstate", pgettext_lazy("audit action", "reinstated")
        REJECT = "reject", pgettext_lazy("audit action", "rejected")
        REQUEST = "request", pgettext_lazy("audit action", "requested")
        RESOLVE_DISPUTE = "resolve_dispute", pgettext_lazy("audit action", "dispute decided")
        RESUME = "resume", pgettext_lazy("audit action", "resumed")
        REVOKE = "revoke", pgettext_lazy("audit action", "revoked")
        SUBMIT = "submit", pgettext_lazy("audit action", "submitted")
        SUSPEND = "suspend", pgettext_lazy("audit action", "suspended")
        UPDATE = "update", pgettext_lazy("audit action", "updated")
        VERIFY = "verify", pgettext_lazy("audit action", "verified")
        WITHDRAW = "withdraw", pgettext_lazy("audit action", "withdrawn")
        # Integrity controls, demands and libraries.
        ANSWER = "answer", pgettext_lazy("audit action", "answered")
        ASSIGN = "assign", pgettext_lazy("audit action", "assigned")
        AWARD = "award", pgettext_lazy("audit action", "awarded")
        BOOK = "book", pgettext_lazy("audit action", "booked")
        CLEAR = "clear", pgettext_lazy("audit action", "cleared")
        COMMENT = "comment", pgettext_lazy("audit action", "commented")
        DEACTIVATE = "deactivate", pgettext_lazy("audit action", "deactivated")
        DECLARE = "declare", pgettext_lazy("audit action", "declared")
        FIRST_APPROVE = "first_approve", pgettext_lazy("audit action", "first approval")
        FIRST_APPROVAL_WITHDRAWN = (
            "withdraw_first_approval",
            pgettext_lazy("audit action", "first approval withdrawn"),
        )
        FLAG = "flag", pgettext_lazy("audit action", "flagged")
        OBJECT = "object", pgettext_lazy("audit action", "objected")
        PROPOSE = "propose", pgettext_lazy("audit action", "proposed")
        PUBLISH = "publish", pgettext_lazy("audit action", "published")
        PUT_ON_NOTICE = "put_on_notice", pgettext_lazy("audit action", "put on public notice")
        RECORD = "record", pgettext_lazy("audit action", "recorded")
        UPLOAD = "upload", pgettext_lazy("audit action", "uploaded")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    action = models.CharField(max_length=64, choices=Action.choices)
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="audit_object_idx")]

    def __str__(self):
        return f"{self.object_type}#{self.object_id} {self.action}"

    # States recorded for objects that keep them in another field than `status`.
    OTHER_STATES = {
        "unverified": pgettext_lazy("enterprise state", "Unverified"),
        "verified": pgettext_lazy("enterprise state", "Verified"),
        "rejected": pgettext_lazy("enterprise state", "Refused"),
        "closed": pgettext_lazy("enterprise state", "Closed"),
    }

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries are append-only.")

    def status_label(self, code: str) -> str:
        """A recorded state ("pending_payment") as the object's model names it in the
        reader's language ("待付款"); a code no model knows any more is shown as recorded."""
        from django.apps import apps
        from django.core.exceptions import FieldDoesNotExist

        if not code:
            return ""
        try:
            field = apps.get_model(self.object_type)._meta.get_field("status")
            labels = dict(field.flatchoices)
        except (LookupError, ValueError, FieldDoesNotExist):
            labels = {}
        return str(labels.get(code) or self.OTHER_STATES.get(code) or code)

    @property
    def from_status_label(self) -> str:
        return self.status_label(self.from_status)

    @property
    def to_status_label(self) -> str:
        return self.status_label(self.to_status)


class AuditChainLink(models.Model):
    """One link of the hash chain that makes the audit trail tamper-evident.

    Links are appended by `regions.audit_chain.audit_chain_seal` (a beat task) in the order
    entries are sealed, not written: writing an audit entry stays one plain INSERT with no
    global lock, so claims never queue on the chain's head. Each link stores the hash of the
    previous link and the hash over its entry's content chained to it; changing, removing or
    inserting an entry after it was sealed breaks the chain at that link
    (`manage.py audit_verify`). On PostgreSQL the table is append-only like the trail."""

    position = models.PositiveBigIntegerField(primary_key=True)
    entry = models.OneToOneField(AuditEntry, on_delete=models.PROTECT, related_name="chain_link")
    previous_hash = models.CharField(max_length=64, unique=True)
    entry_hash = models.CharField(max_length=64, unique=True)
    sealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("audit chain link")
        verbose_name_plural = _("audit chain links")
        ordering = ["position"]

    def __str__(self):
        return f"audit chain #{self.position}"
