from django.contrib import admin

from portal.models import OutboxMessage


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
