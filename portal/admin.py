from django.contrib import admin

from portal.models import OutboxMessage


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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
