"""Pages for personal data: an official's subject-access file, the retention list and the shred
of a cohort (admins), and the anonymous statistics that outlive it (coordinators and admins).
The rules live in `placements.privacy`."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from exchange.http import client_address
from exchange.mixins import RoleRequiredMixin
from exchange.models import Cohort
from exchange.roles import Role, is_coordinator
from participants.selectors import participants_visible_to

from . import privacy
from .models import ShredLog


class ParticipantDataView(RoleRequiredMixin, View):
    """The ZIP of everything held on an official. An official downloads their own; a coordinator
    produces any official's on request (and the export log says so). Liaisons never (403);
    another official's address is a 404, and so is an official of a shredded cohort."""

    allowed_roles = (Role.COORDINATOR, Role.PARTICIPANT)

    def get(self, request, pk):
        officials = participants_visible_to(user=request.user).filter(
            cohort__shredded_at__isnull=True
        )
        if not is_coordinator(request.user):
            # A liaison who is also an official sees attachees, but gets only their own file.
            officials = officials.filter(user=request.user)
        participant = get_object_or_404(officials.select_related("cohort", "user"), pk=pk)
        target, filename = privacy.subject_access_export(
            participant=participant,
            by=request.user,
            address=client_address(request),
            path=request.get_full_path(),
        )
        response = FileResponse(
            target, as_attachment=True, filename=filename, content_type="application/zip"
        )
        response["Cache-Control"] = "no-store"
        return response


class CohortRetentionView(RoleRequiredMixin, TemplateView):
    """Admins: the cohorts past their retention period, those still kept, and the shred log."""

    allowed_roles = ()
    template_name = "placements/cohort_retention.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        kept = Cohort.objects.filter(shredded_at__isnull=True).order_by("orientation_start", "pk")
        return super().get_context_data(
            due=privacy.cohorts_past_retention(today=today),
            kept=[cohort for cohort in kept if cohort.retention_ends > today],
            logs=ShredLog.objects.select_related("user").order_by("-created_at", "-pk")[:50],
            **kwargs,
        )


class ShredConfirmForm(forms.Form):
    confirm_name = forms.CharField(
        label=_("Type the cohort's name to confirm"), max_length=200, strip=False
    )


class CohortShredView(RoleRequiredMixin, FormView):
    """Admins: the dry run of shredding a cohort past retention (rows per table), and the shred
    itself once the cohort's name is typed. A cohort not yet due, or already shredded, is a 404."""

    allowed_roles = ()
    template_name = "placements/cohort_shred.html"
    form_class = ShredConfirmForm

    def get_cohort(self) -> Cohort:
        due = {cohort.pk: cohort for cohort in privacy.cohorts_past_retention()}
        if self.kwargs["pk"] not in due:
            get_object_or_404(Cohort.objects.none())
        return due[self.kwargs["pk"]]

    def get_context_data(self, **kwargs):
        cohort = self.get_cohort()
        plan = privacy.shred_plan(cohort=cohort)
        return super().get_context_data(
            cohort=cohort, plan=sorted(plan.items()), plan_total=sum(plan.values()), **kwargs
        )

    def form_valid(self, form):
        cohort = self.get_cohort()
        try:
            log = privacy.cohort_shred(
                cohort=cohort, by=self.request.user, confirm_name=form.cleaned_data["confirm_name"]
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for message in error.message_dict.get("confirm_name", []):
                    form.add_error("confirm_name", message)
            else:
                form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            gettext("The personal data of {cohort} is shredded ({count} rows changed).").format(
                cohort=log.cohort_name, count=log.total
            ),
        )
        return redirect(reverse("placements:cohort_retention"))


class ProgrammeStatisticsView(RoleRequiredMixin, TemplateView):
    """Anonymous counts per year, home city, host department and focus area; they survive the
    shredding of a cohort's personal data."""

    allowed_roles = (Role.COORDINATOR,)
    template_name = "placements/programme_statistics.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(statistics=privacy.programme_statistics(), **kwargs)
