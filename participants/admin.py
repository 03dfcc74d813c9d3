from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from exchange.admin import BoundedInline
from exchange.roles import is_admin

from .models import AccessLog, HostPreference, NominationImport, Participant
from .services import (
    access_log_for_request,
    city_quota_check,
    participant_calendar_token_reset,
)


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
class ParticipantAdmin(TranslationAdmin):
    form = ParticipantAdminForm
    list_display = ["name_en", "name_zh", "cohort", "home_city", "rank", "status", "email"]
    list_filter = ["cohort", "home_city", "rank", "status"]
    list_select_related = ["cohort", "home_city"]
    # Twenty years of officials: newest first along the primary key, not a sort of them all
    # by cohort, city and name for every page; and one count, not two.
    ordering = ["-pk"]
    show_full_result_count = False
    search_fields = ["name_en", "name_zh", "email", "home_organisation"]
    autocomplete_fields = ["cohort", "home_city", "user"]
    filter_horizontal = ["focus_areas"]
    inlines = [HostPreferenceInline]
    # The token is never a form field: the admin sees it masked and resets it by an action.
    exclude = ["calendar_secret", "calendar_token_hash"]
    readonly_fields = ["calendar_address", "created_at", "updated_at"]
    actions = ["reset_calendar_address"]

    @admin.display(description=_("calendar feed address"))
    def calendar_address(self, obj):
        # The feed address is the official's secret: the admin sees only enough to tell two apart.
        return obj.calendar_token_masked if obj and obj.pk else "—"

    @admin.action(
        description=_("Reset the calendar feed address of the selected officials"),
        permissions=["change"],
    )
    def reset_calendar_address(self, request, queryset):
        count = 0
        for participant in queryset.order_by("pk"):
            participant_calendar_token_reset(participant=participant)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d official has a new calendar feed address; the old one no longer works.",
                "%(count)d officials have new calendar feed addresses; the old ones stop working.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if request.method == "GET" and response.status_code == 200 and changelist is not None:
            # The list shows contact details (emails). Reading the page's rows here fills the
            # queryset's cache, so the template does not query them again.
            access_log_for_request(
                request, kind=AccessLog.Kind.CONTACTS, officials=list(changelist.result_list)
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and response.status_code == 200 and original is not None:
            access_log_for_request(request, kind=AccessLog.Kind.OFFICIAL_PAGE, officials=[original])
        return response

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


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Who read which officials' personal data: evidence for admins, never added, edited or
    deleted here, and hidden from every other role."""

    list_display = ["created_at", "username", "kind", "official_count", "address", "path"]
    list_filter = [
        "kind",
        ("user", admin.RelatedOnlyFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["user"]
    search_fields = [
        "participants__name_en",
        "participants__name_zh",
        "participants__email",
        "username",
    ]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "user",
        "username",
        "kind",
        "address",
        "path",
        "official_count",
        "officials_read",
        "details",
    ]
    readonly_fields = fields
    # How many officials an entry's page names; an export of thousands is summed up after that.
    OFFICIALS_SHOWN = 100

    @admin.display(description=_("officials"))
    def officials_read(self, obj):
        officials = list(
            obj.participants.select_related("cohort").order_by("name_en", "pk")[
                : self.OFFICIALS_SHOWN + 1
            ]
        )
        shown = officials[: self.OFFICIALS_SHOWN]
        names = [f"{official} ({official.cohort})" for official in shown]
        if len(officials) > len(shown):
            more = obj.official_count - len(shown)
            names.append(
                ngettext("and %(count)d more", "and %(count)d more", more) % {"count": more}
            )
        return "; ".join(names) or "—"

    def has_view_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
