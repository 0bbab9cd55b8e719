"""Tables every app shares."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task that a service asked for, written in the service's own transaction.

    The row commits or rolls back with the work that asked for it, so a broker that is away
    at commit time loses nothing: the relay (portal/outbox.py) publishes rows not yet sent
    and backs off while the broker is down. `sent_at` says the broker took the message;
    `done_at` says the task ran, and is set in the task's own transaction, so a message
    published twice runs its effect once.
    """

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The next publish attempt; pushed back after each failed one.
    available_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # The id of the request (or task) that wrote the row; its task runs under it, whoever
    # publishes it (portal/observability.py).
    request_id = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The relay's and readyz's question: what is not done yet, oldest first.
            models.Index(
                fields=["available_at"],
                name="outbox_not_done_idx",
                condition=Q(done_at__isnull=True),
            ),
            models.Index(fields=["done_at"], name="outbox_done_idx"),
        ]

    def __str__(self):
        return f"{self.task_name} #{self.pk}"

    @property
    def celery_task_id(self) -> str:
        """Stable per row: a message published twice carries the same task id."""
        return f"outbox-{self.pk}"


class IdempotencyRecord(models.Model):
    """The first response to a POST sent with an `Idempotency-Key`, replayed on a retry.

    Scoped per user; kept at least 24 hours. The same key with another body is refused (422).
    """

    # The unique (user, key) index serves every lookup by user: no second index to write.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        # The table keeps the name it was created with in the regions app.
        db_table = "regions_idempotencyrecord"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user"),
        ]

    def __str__(self):
        return f"{self.user_id}:{self.key}"
