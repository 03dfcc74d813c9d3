from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from exchange.mixins import RoleRequiredMixin
from exchange.roles import Role, is_coordinator
from exchange.selectors import cohorts_visible_to
from placements.forms import add_service_error, departments_for_cohort
from placements.models import Attachment
from placements.selectors import attachment_history, attachments_visible_to

from .forms import (
    PARTICIPANT_FIELDS,
    HostPreferencesForm,
    ParticipantCreateForm,
    ParticipantForm,
    ParticipantSearchForm,
    WithdrawForm,
)
from .models import HostPreference, Participant
from .selectors import participants_visible_to
from .services import (
    participant_confirm,
    participant_create,
    participant_reinstate,
    participant_set_preferences,
    participant_update,
    participant_withdraw,
)


class ParticipantDetailView(RoleRequiredMixin, DetailView):
    allowed_roles = (Role.COORDINATOR, Role.LIAISON)
    template_name = "participants/participant_detail.html"
    context_object_name = "participant"

    def get_queryset(self):
        return (
            participants_visible_to(user=self.request.user)
            .select_related("cohort", "home_city")
            .prefetch_related(
                "focus_areas",
                Prefetch(
                    "preferences",
                    queryset=HostPreference.objects.select_related("department"),
                ),
            )
        )

    def get_context_data(self, **kwargs):
        """Attachments and their history, as far as the user may see them (a liaison: those at
        their departments)."""
        user = self.request.user
        attachments = (
            attachments_visible_to(user=user)
            .filter(participant=self.object)
            .select_related("department")
            .order_by("start", "pk")
        )
        return super().get_context_data(
            attachments=attachments,
            history=attachment_history(user=user, participant=self.object, limit=50),
            can_manage=is_coordinator(user),
            **kwargs,
        )


class MyScheduleView(RoleRequiredMixin, TemplateView):
    allowed_roles = (Role.PARTICIPANT,)
    template_name = "participants/my_schedule.html"

    def get_context_data(self, **kwargs):
        participations = (
            participants_visible_to(user=self.request.user)
            .filter(user=self.request.user)
            .select_related("cohort", "home_city")
            .order_by("-cohort__orientation_start")
        )
        return super().get_context_data(participations=participations, **kwargs)


# Participant management for coordinators: list and search, create, edit, confirm, withdraw,
# reinstate, interests and ranked preferences. Writes go through `participants.services`.


class ParticipantListView(RoleRequiredMixin, ListView):
    allowed_roles = (Role.COORDINATOR,)
    template_name = "participants/participant_list.html"
    context_object_name = "participants"
    paginate_by = 25

    def get_queryset(self):
        user = self.request.user
        self.search = ParticipantSearchForm(
            self.request.GET or None, cohorts=cohorts_visible_to(user=user)
        )
        officials = participants_visible_to(user=user).select_related("cohort", "home_city")
        if self.search.is_valid():
            data = self.search.cleaned_data
            if data["q"]:
                officials = officials.filter(
                    Q(name_en__icontains=data["q"])
                    | Q(name_zh__icontains=data["q"])
                    | Q(email__icontains=data["q"])
                    | Q(home_organisation__icontains=data["q"])
                )
            if data["cohort"]:
                officials = officials.filter(cohort=data["cohort"])
            if data["city"]:
                officials = officials.filter(home_city=data["city"])
            if data["status"]:
                officials = officials.filter(status=data["status"])
        return officials.order_by("-cohort__orientation_start", "home_city__code", "name_en", "pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(search=self.search, **kwargs)


class ParticipantCreateView(RoleRequiredMixin, FormView):
    allowed_roles = (Role.COORDINATOR,)
    template_name = "participants/participant_form.html"

    form_class = ParticipantCreateForm

    def get_initial(self):
        cohort_id = self.request.GET.get("cohort", "")
        return {"cohort": cohort_id} if cohort_id.isdigit() else {}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "cohorts": cohorts_visible_to(user=self.request.user)}

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in PARTICIPANT_FIELDS}
        try:
            participant = participant_create(
                cohort=form.cleaned_data["cohort"],
                by=self.request.user,
                confirmed=form.cleaned_data["confirmed"],
                **data,
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, _("{name} is added to the cohort.").format(name=participant.name_en)
        )
        return redirect(participant.get_absolute_url())


class ParticipantScopedMixin:
    """Load the official of the URL through the user's scope (outside it: 404)."""

    def get_participant(self) -> Participant:
        return get_object_or_404(
            participants_visible_to(user=self.request.user).select_related("cohort", "home_city"),
            pk=self.kwargs["pk"],
        )


class ParticipantUpdateView(RoleRequiredMixin, ParticipantScopedMixin, FormView):
    allowed_roles = (Role.COORDINATOR,)
    template_name = "participants/participant_form.html"

    form_class = ParticipantForm

    def get_form_kwargs(self):
        # The form writes posted values on its instance: keep a clean copy to show.
        self.participant = self.get_participant()
        return {**super().get_form_kwargs(), "instance": self.get_participant()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # builds the form, which loads the official
        context["participant"] = self.participant
        return context

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in PARTICIPANT_FIELDS}
        focus_areas = data.pop("focus_areas")
        try:
            participant = participant_update(
                participant=self.participant,
                by=self.request.user,
                focus_areas=focus_areas,
                **data,
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(participant.get_absolute_url())


class ParticipantPreferencesView(RoleRequiredMixin, ParticipantScopedMixin, FormView):
    """Ranked host-department wishes (up to five), from departments with seats in the cohort."""

    allowed_roles = (Role.COORDINATOR,)
    template_name = "participants/hostpreference_form.html"
    choices = 5

    def get_form(self, form_class=None):
        self.participant = self.get_participant()
        departments = departments_for_cohort(self.participant.cohort)
        current = self.participant.preferences.order_by("rank").values_list(
            "department_id", flat=True
        )
        kwargs = self.get_form_kwargs()
        kwargs["initial"] = {f"choice_{i}": pk for i, pk in enumerate(current, start=1)}
        return HostPreferencesForm(**kwargs, departments=departments, count=self.choices)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # builds the form, which loads the official
        context["participant"] = self.participant
        return context

    def form_valid(self, form):
        try:
            participant_set_preferences(
                participant=self.participant, departments=form.departments(), by=self.request.user
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Preferences saved."))
        return redirect(self.participant.get_absolute_url())


class ParticipantWithdrawView(RoleRequiredMixin, ParticipantScopedMixin, FormView):
    """Asks first, listing the attachments that withdrawing cancels."""

    allowed_roles = (Role.COORDINATOR,)
    template_name = "participants/participant_confirm_withdraw.html"
    form_class = WithdrawForm

    def get_context_data(self, **kwargs):
        participant = self.get_participant()
        live = participant.attachments.filter(status__in=Attachment.LIVE_STATUSES)
        return super().get_context_data(
            participant=participant, live=live.select_related("department"), **kwargs
        )

    def form_valid(self, form):
        participant = participant_withdraw(
            participant=self.get_participant(),
            by=self.request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            self.request,
            _("{name} is withdrawn; their attachments are cancelled.").format(
                name=participant.name_en
            ),
        )
        return redirect(participant.get_absolute_url())


class ParticipantStatusView(RoleRequiredMixin, ParticipantScopedMixin, View):
    """Confirm or reinstate (a POST button on the official's page)."""

    allowed_roles = (Role.COORDINATOR,)
    http_method_names = ["post"]
    action = "confirm"

    def post(self, request, *args, **kwargs):
        participant = self.get_participant()
        service = participant_confirm if self.action == "confirm" else participant_reinstate
        try:
            participant = service(participant=participant, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("{name} is now {status}.").format(
                    name=participant.name_en, status=participant.get_status_display().lower()
                ),
            )
        return redirect(participant.get_absolute_url())
