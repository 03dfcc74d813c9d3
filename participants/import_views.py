"""Nominations import pages: upload, preview, confirm or discard, and the template files.

Coordinators and admins only (RoleRequiredMixin); participants and liaisons get 403. Uploads are
loaded through `nomination_imports_visible_to`, cohorts through `cohorts_visible_to`.
"""

import tempfile

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, FormView, View
from django.views.generic.detail import SingleObjectMixin

from exchange.mixins import RoleRequiredMixin
from exchange.roles import Role
from exchange.selectors import cohorts_visible_to

from . import imports
from .selectors import nomination_imports_visible_to


class NominationUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Nominations file (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        """The parsed rows, or the reason the file cannot be used."""
        return imports.read_nominations_file(self.cleaned_data["file"])


class NominationImportCreateView(RoleRequiredMixin, FormView):
    """Upload a file into a cohort; the rows go to the preview, not yet into the cohort."""

    allowed_roles = (Role.COORDINATOR,)
    form_class = NominationUploadForm
    template_name = "participants/nominations_upload.html"

    def dispatch(self, request, *args, **kwargs):
        self.cohort = None
        return super().dispatch(request, *args, **kwargs)

    def get_cohort(self):
        if self.cohort is None:
            self.cohort = get_object_or_404(
                cohorts_visible_to(user=self.request.user), pk=self.kwargs["pk"]
            )
        return self.cohort

    def get_context_data(self, **kwargs):
        cohort = self.get_cohort()
        recent = (
            nomination_imports_visible_to(user=self.request.user)
            .filter(cohort=cohort)
            .select_related("uploaded_by")[:5]
        )
        return super().get_context_data(
            cohort=cohort,
            columns=imports.IMPORT_COLUMNS,
            max_rows=imports.max_rows(),
            max_kilobytes=imports.max_upload_bytes() // 1024,
            recent_imports=recent,
            **kwargs,
        )

    def get(self, request, *args, **kwargs):
        self.get_cohort()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.get_cohort()  # a cohort out of reach is a 404 before the file is even read
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form):
        upload = imports.nomination_import_create(
            cohort=self.get_cohort(), parsed=form.cleaned_data["file"], by=self.request.user
        )
        return redirect(upload)


class NominationImportDetailView(RoleRequiredMixin, DetailView):
    """The preview: every row with its errors, checked against the cohort as it is now."""

    allowed_roles = (Role.COORDINATOR,)
    template_name = "participants/nominations_preview.html"
    context_object_name = "upload"

    def get_queryset(self):
        return nomination_imports_visible_to(user=self.request.user).select_related(
            "cohort", "uploaded_by"
        )

    def get_context_data(self, **kwargs):
        upload = self.object
        validation = imports.validate_nominations(cohort=upload.cohort, rows=upload.rows)
        return super().get_context_data(
            validation=validation,
            columns=imports.IMPORT_COLUMNS,
            earlier=imports.previous_imports_of_same_file(upload=upload).first(),
            **kwargs,
        )


class NominationImportActionView(RoleRequiredMixin, SingleObjectMixin, View):
    """POST-only base: load the upload in the user's scope, run the service, report back."""

    allowed_roles = (Role.COORDINATOR,)
    http_method_names = ["post"]

    def get_queryset(self):
        return nomination_imports_visible_to(user=self.request.user)

    def post(self, request, *args, **kwargs):
        upload = self.get_object()
        try:
            self.act(upload)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect(upload)


class NominationImportConfirmView(NominationImportActionView):
    def act(self, upload):
        validation = imports.nomination_import_apply(nomination_import=upload, by=self.request.user)
        messages.success(
            self.request,
            gettext(
                "{new} officials added to {cohort}; {existing} already in the cohort were left "
                "as they are."
            ).format(
                new=validation.new_count,
                cohort=upload.cohort.name,
                existing=validation.existing_count,
            ),
        )


class NominationImportDiscardView(NominationImportActionView):
    def act(self, upload):
        imports.nomination_import_discard(nomination_import=upload, by=self.request.user)
        messages.info(self.request, gettext("The upload was discarded; nothing was imported."))


class NominationTemplateView(RoleRequiredMixin, View):
    """The template to fill in, as CSV or XLSX: the expected columns and an example row."""

    allowed_roles = (Role.COORDINATOR,)

    def get(self, request, *args, fmt: str, **kwargs):
        if fmt == "csv":
            response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="nominations-template.csv"'
            return response
        if fmt == "xlsx":
            target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (the response closes it)
            imports.template_xlsx(target)
            target.seek(0)
            return FileResponse(
                target,
                as_attachment=True,
                filename="nominations-template.xlsx",
                content_type=imports.XLSX_CONTENT_TYPE,
            )
        raise Http404(gettext("Templates come as CSV or XLSX."))
