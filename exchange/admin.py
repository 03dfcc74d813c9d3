from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from .models import City, CityQuota, Cohort, FocusArea, HostCapacity, HostDepartment, Notification


@admin.register(City)
class CityAdmin(TranslationAdmin):
    list_display = ["code", "name", "region", "in_gba", "is_home"]
    list_filter = ["in_gba", "is_home"]
    search_fields = ["code", "name", "name_zh_hant", "name_zh_hans"]


@admin.register(FocusArea)
class FocusAreaAdmin(TranslationAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name", "name_zh_hant", "name_zh_hans"]


@admin.register(HostDepartment)
class HostDepartmentAdmin(TranslationAdmin):
    list_display = ["abbreviation", "name", "city", "is_active"]
    list_filter = ["is_active", "focus_areas", "city"]
    list_select_related = ["city"]
    search_fields = ["abbreviation", "name", "name_zh_hant", "name_zh_hans"]
    autocomplete_fields = ["city", "liaisons"]
    filter_horizontal = ["focus_areas"]


class CityQuotaInline(admin.TabularInline):
    model = CityQuota
    extra = 0
    autocomplete_fields = ["city"]


class HostCapacityInline(admin.TabularInline):
    model = HostCapacity
    extra = 0
    autocomplete_fields = ["department"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "direction", "status", "orientation_start", "orientation_end"]
    list_filter = ["direction", "status"]
    search_fields = ["name"]
    date_hierarchy = "orientation_start"
    inlines = [CityQuotaInline, HostCapacityInline]
    fieldsets = [
        (None, {"fields": ["name", "direction", "status"]}),
        (
            _("Orientation"),
            {"fields": ["orientation_start", "orientation_end", "orientation_venue"]},
        ),
        (_("Length of stay"), {"fields": ["min_stay_days", "max_stay_days"]}),
        (_("Plan suggestions"), {"fields": ["plan_weights", "allow_rotations"]}),
        (
            _("Reminders"),
            {
                "fields": [
                    "orientation_reminder_days",
                    "attachment_start_reminder_days",
                    "attachment_end_reminder_days",
                    "activity_reminder_days",
                ]
            },
        ),
    ]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "recipient",
        "language",
        "scheduled_at",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind", "language"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "recipient__email", "dedupe_key"]
    date_hierarchy = "scheduled_at"
    autocomplete_fields = ["recipient", "cohort"]
    readonly_fields = ["dedupe_key", "attempts", "last_error", "sent_at", "created_at"]
