from django.contrib import admin

from .models import HostPreference, Participant


class HostPreferenceInline(admin.TabularInline):
    model = HostPreference
    extra = 0
    autocomplete_fields = ["department"]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_zh", "cohort", "home_city", "rank", "status", "email"]
    list_filter = ["cohort", "home_city", "rank", "status"]
    list_select_related = ["cohort", "home_city"]
    search_fields = ["name_en", "name_zh", "email", "home_organisation"]
    autocomplete_fields = ["cohort", "home_city", "user"]
    filter_horizontal = ["focus_areas"]
    inlines = [HostPreferenceInline]
    readonly_fields = ["calendar_token", "created_at", "updated_at"]
