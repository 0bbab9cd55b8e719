import json

from django.contrib import admin

from portal.models import OutboxMessage

HIDDEN = "(hidden)"


def redacted_arguments(value):
    """`value` with every text under a key that holds what an e-mail says replaced: the
    subjects and addresses stay, to tell which message is which."""
    if isinstance(value, dict):
        return {
            key: HIDDEN if key in {"body", "html", "messages"} else redacted_arguments(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redacted_arguments(item) for item in value]
    return value


class ReadOnlyAdmin(admin.ModelAdmin):
    """Looked at, never edited by hand: history, and the rows whose money, state or scope
    change only through the portal's services (their rules, their locks, an audit entry)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: what waits, what failed and why; the relay and the worker write the rows."""

    list_display = ["id", "task_name", "created_at", "attempts", "sent_at", "done_at"]
    list_filter = ["task_name"]
    search_fields = ["task_name", "last_error"]
    date_hierarchy = "created_at"
    # The arguments are shown without what an e-mail says: an invitation's body holds its
    # one-time set-password link, and the operator who read it could take the new account
    # (and be both officials of a four-eyes approval).
    exclude = ["kwargs"]
    readonly_fields = ["arguments"]

    @admin.display(description="Arguments (e-mail texts hidden)")
    def arguments(self, message):
        return json.dumps(redacted_arguments(message.kwargs), ensure_ascii=False, indent=1)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
