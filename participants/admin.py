from django import forms
from django.contrib import admin

from exchange.admin import BoundedInline

from .models import HostPreference, NominationImport, Participant
from .services import city_quota_check


class HostPreferenceInline(BoundedInline):
    model = HostPreference
    autocomplete_fields = ["department"]


class ParticipantAdminForm(forms.ModelForm):
    """The admin keeps the city quota too, as the officials pages do."""

    class Meta:
        model = Participant
        fields = "__all__"  # noqa: DJ007 (the ModelAdmin decides which fields show)

    def clean(self):
        cleaned = super().clean()
        cohort, city = cleaned.get("cohort"), cleaned.get("home_city")
        status = cleaned.get("status", self.instance.status)
        moved = self.instance.pk is None or (
            (self.instance.cohort_id, self.instance.home_city_id)
            != (getattr(cohort, "pk", None), getattr(city, "pk", None))
        )
        if cohort and city and moved and status != Participant.Status.WITHDRAWN:
            city_quota_check(cohort=cohort, city=city, exclude=self.instance, lock=False)
        return cleaned


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    form = ParticipantAdminForm
    list_display = ["name_en", "name_zh", "cohort", "home_city", "rank", "status", "email"]
    list_filter = ["cohort", "home_city", "rank", "status"]
    list_select_related = ["cohort", "home_city"]
    search_fields = ["name_en", "name_zh", "email", "home_organisation"]
    autocomplete_fields = ["cohort", "home_city", "user"]
    filter_horizontal = ["focus_areas"]
    inlines = [HostPreferenceInline]
    readonly_fields = ["calendar_token", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # Confirming, withdrawing and reinstating send notices and cancel attachments: they are
        # done on the officials pages, through the services, not by editing the field here.
        if obj is not None:
            return [*self.readonly_fields, "status"]
        return self.readonly_fields


@admin.register(NominationImport)
class NominationImportAdmin(admin.ModelAdmin):
    list_display = ["filename", "cohort", "uploaded_by", "created_at", "status", "created_count"]
    list_filter = ["status", "cohort"]
    list_select_related = ["cohort", "uploaded_by"]
    search_fields = ["filename", "sha256"]
    readonly_fields = [
        "cohort",
        "uploaded_by",
        "filename",
        "sha256",
        "rows",
        "status",
        "created_count",
        "created_at",
        "applied_at",
    ]

    def has_add_permission(self, request):
        return False
