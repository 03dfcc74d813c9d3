from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from .forms import ReminderDaysMixin
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


class BoundedInline(admin.TabularInline):
    """An inline that builds at most `max_num` forms, whatever the posted TOTAL_FORMS says, and
    refuses more with the formset's error (Django would otherwise build up to 1000 more)."""

    extra = 0
    max_num = 100

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("absolute_max", self.max_num)
        kwargs.setdefault("validate_max", True)
        return super().get_formset(request, obj, **kwargs)


class CityQuotaInline(BoundedInline):
    model = CityQuota
    max_num = 50
    autocomplete_fields = ["city"]


class HostCapacityInline(BoundedInline):
    model = HostCapacity
    max_num = 100
    autocomplete_fields = ["department"]


class CohortAdminForm(ReminderDaysMixin, forms.ModelForm):
    class Meta:
        model = Cohort
        fields = "__all__"  # noqa: DJ007 (the ModelAdmin's fieldsets decide which fields show)


@admin.register(Cohort)
class CohortAdmin(TranslationAdmin):
    form = CohortAdminForm
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
        (_("Retention of personal data"), {"fields": ["retention_years"]}),
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
    readonly_fields = ["dedupe_key", "attempts", "last_error", "sent_at", "created_at", "snapshot"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class ProgrammeUserAdmin(UserAdmin):
    """Django's user admin on the project's site: its dates keep to the programme's years through
    the site's guarded form fields (a year-1 "date joined" could not be read back)."""


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    """django-axes' failed-login counters (its access and failure logs stay as axes shows them),
    with an action that unlocks the selected account+address pairs at once."""

    actions = [*AccessAttemptAdmin.actions, "unlock"]

    @admin.action(description=_("Unlock the selected logins"), permissions=["delete"])
    def unlock(self, request, queryset):
        count = 0
        for username, ip_address in queryset.values_list("username", "ip_address"):
            count += axes_reset(username=username, ip=ip_address)
        self.message_user(
            request,
            ngettext("%(count)d login unlocked.", "%(count)d logins unlocked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
