from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Activity, Attachment, ExportLog


@admin.register(Attachment)
class AttachmentAdmin(SimpleHistoryAdmin):
    list_display = ["participant", "department", "start", "end", "status", "supervisor"]
    list_filter = ["status", "department", "participant__cohort"]
    list_select_related = ["participant", "department"]
    search_fields = ["participant__name_en", "participant__name_zh", "department__abbreviation"]
    autocomplete_fields = ["participant", "department", "assigned_by"]
    date_hierarchy = "start"


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "kind",
        "cohort",
        "department",
        "starts_at",
        "ends_at",
        "audience",
        "status",
    ]
    list_filter = ["kind", "audience", "status", "cohort", "department"]
    list_select_related = ["cohort", "department"]
    search_fields = ["title", "location"]
    autocomplete_fields = ["cohort", "department", "participants", "created_by"]
    date_hierarchy = "starts_at"


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    """The export log is evidence: readable by admins, never edited or deleted here."""

    list_display = ["created_at", "user", "cohort", "source", "format", "row_count"]
    list_filter = ["format", "source", "cohort"]
    list_select_related = ["user", "cohort"]
    search_fields = ["user__username", "user__last_name", "cohort__name"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "user", "cohort", "source", "filters", "format", "row_count"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
