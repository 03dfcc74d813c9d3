"""Roster export pages and downloads, and the export log.

Who may export: admins, and coordinators granted `placements.export_roster`; the export of all
cohorts and the export log are for admins only. Everyone else gets 403.
"""

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import FileResponse, Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView, TemplateView, View

from exchange.http import client_address
from exchange.mixins import RoleRequiredMixin
from exchange.models import City, HostDepartment
from exchange.roles import Role
from exchange.selectors import cohorts_visible_to
from participants.models import Participant

from . import exports
from .models import ExportLog
from .selectors import roster_rows

# The printable roster is for reading on paper: beyond this, CSV or XLSX is the right tool.
PRINT_ROW_LIMIT = 2000


class RosterFilterForm(forms.Form):
    home_city = forms.ModelChoiceField(
        label=_("Home city"),
        queryset=City.objects.order_by("code"),
        required=False,
        empty_label=_("All cities"),
    )
    department = forms.ModelChoiceField(
        label=_("Host department"),
        queryset=HostDepartment.objects.order_by("abbreviation"),
        required=False,
        empty_label=_("All departments"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Participant.Status.choices],
        required=False,
    )


class CohortShredded(Exception):
    def __init__(self, cohort):
        super().__init__(cohort.pk)
        self.cohort = cohort


class RosterAccessMixin(RoleRequiredMixin, PermissionRequiredMixin):
    """Admins pass; coordinators need the `export_roster` permission (403 otherwise).

    `all_cohorts=True` (set in the URLconf) makes the view export every cohort, and then only
    admins may use it: `allowed_roles` is emptied, and admins always pass RoleRequiredMixin.
    """

    allowed_roles = (Role.COORDINATOR,)
    permission_required = "placements.export_roster"
    all_cohorts = False

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except CohortShredded as refused:
            return render(
                request, "placements/cohort_shredded.html", {"cohort": refused.cohort}, status=410
            )

    def get_cohort(self):
        """The cohort to export, which must still hold its personal data (410 otherwise)."""
        if self.all_cohorts:
            return None
        cohort = get_object_or_404(cohorts_visible_to(user=self.request.user), pk=self.kwargs["pk"])
        if cohort.is_shredded:
            raise CohortShredded(cohort)
        return cohort

    def get_filter_form(self) -> RosterFilterForm:
        data = {key: self.request.GET.get(key, "") for key in RosterFilterForm.base_fields}
        return RosterFilterForm(data)

    def get_rows(self, cohort, form: RosterFilterForm):
        return roster_rows(
            user=self.request.user,
            cohort=cohort,
            home_city=form.cleaned_data["home_city"],
            department=form.cleaned_data["department"],
            status=form.cleaned_data["status"],
        )


class RosterExportView(RosterAccessMixin, TemplateView):
    """The export page: filters, the number of rows they match, and the three formats."""

    template_name = "placements/roster_export.html"

    def get(self, request, *args, **kwargs):
        cohort = self.get_cohort()
        form = self.get_filter_form()
        row_count = self.get_rows(cohort, form).count() if form.is_valid() else None
        context = self.get_context_data(
            cohort=cohort,
            form=form,
            row_count=row_count,
            all_cohorts=self.all_cohorts,
            download_cookie=exports.DOWNLOAD_COOKIE,
        )
        if request.headers.get("HX-Request"):
            self.template_name = "placements/fragments/roster_count.html"
        return self.render_to_response(context)


class RosterDownloadView(RosterAccessMixin, View):
    """The roster as a CSV stream or an XLSX file, logged before it is sent."""

    def get(self, request, *args, fmt: str, **kwargs):
        if fmt not in {ExportLog.Format.CSV, ExportLog.Format.XLSX}:
            raise Http404(gettext("Rosters download as CSV or XLSX."))
        cohort = self.get_cohort()
        form = self.get_filter_form()
        if not form.is_valid():
            return HttpResponseBadRequest(
                gettext("Unknown filter: {errors}").format(
                    errors="; ".join(
                        str(error) for errors in form.errors.values() for error in errors
                    )
                ),
                content_type="text/plain; charset=utf-8",
            )
        rows = self.get_rows(cohort, form)
        roster = exports.Roster(rows, with_cohort=cohort is None)
        filename = exports.export_filename(cohort=cohort, extension=fmt, today=timezone.localdate())
        log = {
            "user": request.user,
            "cohort": cohort,
            "filters": exports.filters_for_log(form.cleaned_data),
            "export_format": fmt,
            "officials": rows,
            "address": client_address(request),
            "path": request.get_full_path(),
        }
        if fmt == ExportLog.Format.CSV:
            exports.export_log_create(**log, row_count=rows.count())
            response = StreamingHttpResponse(
                exports.csv_stream(roster), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = content_disposition_header(
                as_attachment=True, filename=filename
            )
        else:
            title = cohort.name if cohort else gettext("All cohorts")
            target, count = exports.xlsx_tempfile(roster, title=title)
            exports.export_log_create(**log, row_count=count)
            response = FileResponse(
                target,
                as_attachment=True,
                filename=filename,
                content_type=exports.XLSX_CONTENT_TYPE,
            )
        response["Cache-Control"] = "no-store"
        token = request.GET.get("download_token", "")
        if exports.DOWNLOAD_TOKEN_RE.match(token):
            # The page polls for this cookie to stop its "preparing" spinner.
            response.set_cookie(
                exports.DOWNLOAD_COOKIE,
                token,
                max_age=120,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


class RosterPrintView(RosterAccessMixin, TemplateView):
    """The roster as an A4 page to print, one department per page."""

    template_name = "placements/roster_print.html"

    def get(self, request, *args, **kwargs):
        cohort = self.get_cohort()
        form = self.get_filter_form()
        if not form.is_valid():
            return HttpResponseBadRequest(
                gettext("Unknown filter."), content_type="text/plain; charset=utf-8"
            )
        rows = self.get_rows(cohort, form)
        roster = exports.Roster(rows, with_cohort=cohort is None)
        roster.rows = rows[: PRINT_ROW_LIMIT + 1]
        keys = [column.key for column in roster.columns]
        department_index = keys.index("department")
        nowrap_columns = [c.nowrap for c in roster.columns if c.key != "department"]
        sections: list[dict] = []
        row_count = 0
        truncated = False
        # Rows come ordered by department, officials not yet attached last: one section each.
        for record in roster.records():
            if row_count == PRINT_ROW_LIMIT:
                truncated = True
                break
            row_count += 1
            department = record.pop(department_index) or roster.not_attached
            if not sections or sections[-1]["department"] != department:
                sections.append({"department": department, "rows": []})
            sections[-1]["rows"].append(
                [
                    (value.isoformat() if hasattr(value, "isoformat") else value, nowrap)
                    for value, nowrap in zip(record, nowrap_columns, strict=True)
                ]
            )
        exports.export_log_create(
            user=request.user,
            cohort=cohort,
            filters=exports.filters_for_log(form.cleaned_data),
            export_format=ExportLog.Format.HTML,
            row_count=row_count,
            officials=rows[:row_count],
            address=client_address(request),
            path=request.get_full_path(),
        )
        headers = [h for k, h in zip(keys, roster.headers, strict=True) if k != "department"]
        return self.render_to_response(
            self.get_context_data(
                cohort=cohort,
                form=form,
                headers=headers,
                sections=sections,
                row_count=row_count,
                filter_summary=_filter_summary(form),
                truncated=truncated,
                limit=PRINT_ROW_LIMIT,
                generated_at=timezone.localtime(),
            )
        )


def _filter_summary(form: RosterFilterForm) -> list[tuple[str, str]]:
    """The filters in force, as (label, value) pairs to print on the roster."""
    summary = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value:
            shown = dict(field.choices)[value] if name == "status" else str(value)
            summary.append((str(field.label), str(shown)))
    return summary


class ExportLogListView(RoleRequiredMixin, ListView):
    """Who exported what, newest first (admins only)."""

    allowed_roles = ()
    template_name = "placements/exportlog_list.html"
    context_object_name = "entries"
    paginate_by = 50

    def get_queryset(self):
        return ExportLog.objects.select_related("user", "cohort").order_by("-created_at", "-pk")
