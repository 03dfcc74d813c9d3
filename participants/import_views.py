"""Nominations import pages: upload, preview (and read a CSV again in another encoding),
confirm or discard, and the template files.

Coordinators and admins only (RoleRequiredMixin); participants and liaisons get 403. Uploads are
loaded through `nomination_imports_visible_to`, cohorts through `cohorts_visible_to`.
"""

import tempfile

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import DetailView, FormView, View
from django.views.generic.detail import SingleObjectMixin

from exchange.mixins import RoleRequiredMixin
from exchange.roles import Role
from exchange.selectors import cohorts_visible_to

from . import imports
from .selectors import nomination_imports_visible_to

# A client still sending a refused body is read to the end (into nothing) up to this much, so
# that it receives the answer: a server that closes a connection with unread data resets it,
# and the browser shows "connection reset", a proxy a 502, instead of the message.
DISCARD_AT_MOST = 64 * 1024 * 1024


def _discard_body(request) -> None:
    left = DISCARD_AT_MOST
    while left > 0:
        chunk = request.read(min(64 * 1024, left))
        if not chunk:
            return
        left -= len(chunk)


class NominationUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Nominations file (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    encoding = forms.ChoiceField(
        label=_("Encoding of a CSV file"),
        choices=[("", _("Detect it")), *imports.CSV_ENCODINGS.items()],
        required=False,
        help_text=_("Leave it to be detected unless the names come out garbled."),
    )

    def __init__(self, *args, refusal: ValidationError | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # A request refused from its size alone was never read: the refusal is the file's error.
        self.refusal = refusal
        if refusal is not None:
            self.fields["file"].required = False

    def clean(self):
        """The parsed rows (as `parsed`), or the reason the file cannot be used."""
        cleaned_data = super().clean()
        if self.refusal is not None:
            self.add_error("file", self.refusal)
        elif cleaned_data.get("file") is not None:
            try:
                cleaned_data["parsed"] = imports.read_nominations_file(
                    cleaned_data["file"], encoding=cleaned_data.get("encoding", "")
                )
            except ValidationError as error:
                self.add_error("file", error)
        return cleaned_data


class NominationEncodingForm(forms.Form):
    encoding = forms.ChoiceField(
        choices=list(imports.CSV_ENCODINGS.items()),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )


# The CSRF check reads the form, so the whole body, before any view code runs; this view checks
# the request's size first and then the token (`post`).
@method_decorator(csrf_exempt, name="dispatch")
class NominationImportCreateView(RoleRequiredMixin, FormView):
    """Upload a file into a cohort; the rows go to the preview, not yet into the cohort.

    A request larger than a nominations file can be is answered 413, with the reason on the
    form, before its body is read: nothing of it is parsed or stored.
    """

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
        try:
            imports.check_upload_size(content_length=request.META.get("CONTENT_LENGTH"))
        except ValidationError as refusal:
            _discard_body(request)
            # Nothing is done with the request, so it needs no CSRF token to be refused.
            response = self.form_invalid(self.get_form_class()(data={}, refusal=refusal))
            response.status_code = 413
            return response
        return csrf_protect(super().post)(request, *args, **kwargs)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form):
        upload = imports.nomination_import_create(
            cohort=self.get_cohort(), parsed=form.cleaned_data["parsed"], by=self.request.user
        )
        return redirect(upload)


class NominationImportDetailView(RoleRequiredMixin, DetailView):
    """The preview: every row with its errors, checked against the cohort as it is now, and
    the encoding a CSV file was read in. A POST reads the file again in another encoding."""

    allowed_roles = (Role.COORDINATOR,)
    template_name = "participants/nominations_preview.html"
    context_object_name = "upload"

    def get_queryset(self):
        # The file itself is needed only to read it again, by the service that does.
        return (
            nomination_imports_visible_to(user=self.request.user)
            .select_related("cohort", "uploaded_by")
            .defer("content")
        )

    def get_context_data(self, **kwargs):
        upload = self.object
        validation = imports.validate_nominations(cohort=upload.cohort, rows=upload.rows)
        return super().get_context_data(
            validation=validation,
            columns=imports.IMPORT_COLUMNS,
            earlier=imports.previous_imports_of_same_file(upload=upload).first(),
            encoding_label=imports.CSV_ENCODINGS.get(upload.encoding),
            encoding_form=NominationEncodingForm(initial={"encoding": upload.encoding}),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        upload = self.get_object()
        form = NominationEncodingForm(request.POST)
        if not form.is_valid():
            messages.error(request, gettext("Choose one of the encodings offered."))
            return redirect(upload)
        encoding = form.cleaned_data["encoding"]
        try:
            imports.nomination_import_reread(
                nomination_import=upload, encoding=encoding, by=request.user
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                gettext("The file was read again as {encoding}.").format(
                    encoding=imports.CSV_ENCODINGS[encoding]
                ),
            )
        return redirect(upload)


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
