from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from exchange.forms import add_service_error
from exchange.http import client_address
from exchange.models import Cohort
from participants import admin as participants_admin
from participants.models import Participant

from . import exports
from .models import Activity, Attachment, ExportLog, PlanSuggestion, ShredLog
from .selectors import roster_rows
from .services import (
    attachment_cancel,
    attachment_check,
    attachment_confirm,
    attachment_create,
    attachment_update,
)


class AttachmentAdminForm(forms.ModelForm):
    """Shows the placement rules' refusals next to the fields, before anything is saved."""

    class Meta:
        model = Attachment
        fields = [
            "participant",
            "department",
            "start",
            "end",
            "status",
            "supervisor",
            "supervisor_email",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved_status = self.instance.status if self.instance.pk else None

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        cancelled, proposed = Attachment.Status.CANCELLED, Attachment.Status.PROPOSED
        if self.saved_status is None and status == cancelled:
            self.add_error("status", _("A new attachment cannot start out cancelled."))
        elif self.saved_status == cancelled and status != cancelled:
            self.add_error(
                "status", _("A cancelled attachment cannot be reopened; add a new one instead.")
            )
        elif self.saved_status == Attachment.Status.CONFIRMED and status == proposed:
            self.add_error("status", _("A confirmed attachment cannot go back to proposed."))
        participant = cleaned.get("participant") or getattr(self.instance, "participant", None)
        department = cleaned.get("department")
        if status != cancelled and participant and department and not self.errors:
            try:
                attachment_check(
                    participant=participant,
                    department=department,
                    start=cleaned.get("start"),
                    end=cleaned.get("end"),
                    exclude=self.instance if self.instance.pk else None,
                )
            except ValidationError as error:
                add_service_error(self, error)
        return cleaned


@admin.register(Attachment)
class AttachmentAdmin(SimpleHistoryAdmin):
    """Every write goes through `placements.services`, so the admin keeps the placement rules
    (and their locks, history and notices) like the board. Deleting cancels: the row and its
    history stay, the seat is freed."""

    form = AttachmentAdminForm
    list_display = ["participant", "department", "start", "end", "status", "supervisor"]
    list_filter = ["status", "department", "participant__cohort"]
    list_select_related = ["participant", "department"]
    search_fields = ["participant__name_en", "participant__name_zh", "department__abbreviation"]
    autocomplete_fields = ["participant", "department"]
    readonly_fields = ["assigned_by"]
    date_hierarchy = "start"
    actions = ["cancel_selected"]

    def get_readonly_fields(self, request, obj=None):
        # An attachment stays with its official; assign the other official a new one instead.
        if obj is not None:
            return [*self.readonly_fields, "participant"]
        return self.readonly_fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The form checked the rules without locks; if another coordinator took the seat in the
        # meantime, the service refuses under lock and everything is rolled back.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = attachment_create(
                participant=data["participant"],
                department=data["department"],
                start=data["start"],
                end=data["end"],
                by=request.user,
                confirmed=data["status"] == Attachment.Status.CONFIRMED,
                supervisor=data["supervisor"],
                supervisor_email=data["supervisor_email"],
                notes=data["notes"],
            )
            obj.pk = saved.pk
        elif data["status"] == Attachment.Status.CANCELLED:
            if form.saved_status != Attachment.Status.CANCELLED:
                attachment_cancel(attachment=obj, by=request.user)
        else:
            attachment_update(
                attachment=obj,
                by=request.user,
                department=data["department"],
                start=data["start"],
                end=data["end"],
                supervisor=data["supervisor"],
                supervisor_email=data["supervisor_email"],
                notes=data["notes"],
            )
            if data["status"] == Attachment.Status.CONFIRMED:
                attachment_confirm(attachment=obj, by=request.user)
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        if obj.is_live:
            attachment_cancel(attachment=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for attachment in queryset.filter(status__in=Attachment.LIVE_STATUSES):
            attachment_cancel(attachment=attachment, by=request.user)

    def response_delete(self, request, obj_display, obj_id):
        self.message_user(
            request, _("The attachment is cancelled; its history is kept."), messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:placements_attachment_changelist"))

    @admin.action(description=_("Cancel the selected attachments (frees their seats)"))
    def cancel_selected(self, request, queryset):
        self.delete_queryset(request, queryset)
        self.message_user(request, _("The selected attachments are cancelled."), messages.SUCCESS)


@admin.register(Activity)
class ActivityAdmin(TranslationAdmin, SimpleHistoryAdmin):
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


@admin.register(ShredLog)
class ShredLogAdmin(admin.ModelAdmin):
    """The shred log is evidence, like the export log: read here, written only by the shred."""

    list_display = ["created_at", "user", "cohort_name"]
    list_select_related = ["user"]
    search_fields = ["cohort_name"]
    readonly_fields = ["created_at", "user", "cohort", "cohort_name", "counts"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The participants admin, with the roster export of the selected officials (exports are the
# placements' business: a roster row is an official with their attachment).
admin.site.unregister(Participant)


@admin.register(Participant)
class ParticipantAdmin(participants_admin.ParticipantAdmin):
    actions = [*participants_admin.ParticipantAdmin.actions, "export_selected_csv"]

    def has_export_roster_permission(self, request) -> bool:
        return exports.can_export_roster(request.user)

    @admin.action(description=_("Export selected officials (CSV)"), permissions=["export_roster"])
    def export_selected_csv(self, request, queryset):
        """The selected officials as roster rows (one per live attachment), logged like any
        other export."""
        cohort_ids = list(queryset.order_by().values_list("cohort_id", flat=True).distinct()[:2])
        rows = roster_rows(user=request.user, participants=queryset)
        exports.export_log_create(
            user=request.user,
            cohort=Cohort.objects.get(pk=cohort_ids[0]) if len(cohort_ids) == 1 else None,
            source=ExportLog.Source.ADMIN_SELECTION,
            filters=exports.selection_filters(queryset.values_list("pk", flat=True)),
            export_format=ExportLog.Format.CSV,
            row_count=rows.count(),
            officials=rows,
            address=client_address(request),
            path=request.get_full_path(),
        )
        response = StreamingHttpResponse(
            exports.csv_stream(exports.Roster(rows, with_cohort=True)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True,
            filename=f"officials-{timezone.localdate().isoformat()}.csv",
        )
        return response


@admin.register(PlanSuggestion)
class PlanSuggestionAdmin(admin.ModelAdmin):
    """Suggestions are computed and accepted through `placements.planning_services` (and its
    pages); the admin shows them, for support, and changes nothing."""

    list_display = [
        "cohort",
        "created_at",
        "status",
        "progress",
        "placed",
        "total_score",
        "solver_status",
        "solve_seconds",
    ]
    list_filter = ["status", "solver_status"]
    list_select_related = ["cohort"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
