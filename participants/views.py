from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from exchange.forms import add_service_error
from exchange.mixins import RoleRequiredMixin
from exchange.roles import Role
from exchange.selectors import cohorts_visible_to, departments_for_cohort

from .forms import (
    PARTICIPANT_FIELDS,
    HostPreferencesForm,
    LanguageForm,
    ParticipantCreateForm,
    ParticipantForm,
    ParticipantSearchForm,
)
from .models import AccessLog, Participant
from .selectors import orientation_notice_audience, participants_visible_to
from .services import (
    access_log_for_request,
    orientation_notices_send,
    participant_calendar_token_reset,
    participant_confirm,
    participant_create,
    participant_language_update,
    participant_reinstate,
    participant_set_preferences,
    participant_update,
)


class CalendarTokenResetView(RoleRequiredMixin, View):
    """Replace an official's feed address, e.g. after sharing it by mistake. Only the official."""

    allowed_roles = (Role.PARTICIPANT,)

    def post(self, request, pk):
        participant = get_object_or_404(
            participants_visible_to(user=request.user).filter(user=request.user), pk=pk
        )
        participant_calendar_token_reset(participant=participant)
        messages.success(
            request,
            _(
                "Your calendar address is new. The old one no longer works: subscribe again "
                "with the new one."
            ),
        )
        return redirect("placements:my_schedule")


class MyProfileView(RoleRequiredMixin, FormView):
    """The official's own details, and the language their mail and calendar feed come in."""

    allowed_roles = (Role.PARTICIPANT,)
    template_name = "participants/participant_profile.html"
    form_class = LanguageForm

    @cached_property
    def participation(self):
        participation = (
            participants_visible_to(user=self.request.user)
            .filter(user=self.request.user)
            .select_related("cohort", "home_city")
            .order_by("-cohort__orientation_start")
            .first()
        )
        if participation is None:
            raise Http404(_("You are not part of a cohort yet."))
        return participation

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.participation}

    def get_context_data(self, **kwargs):
        return super().get_context_data(participant=self.participation, **kwargs)

    def form_valid(self, form):
        language = form.cleaned_data["preferred_language"]
        participant_language_update(user=self.request.user, language=language)
        # The pages switch too, as if the official had used the language menu.
        self.request.session["preferred_language"] = language
        translation.activate(language)
        messages.success(self.request, _("Your language is saved."))
        response = HttpResponseRedirect(reverse("participants:my_profile"))
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
        return response


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

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # The form shows the official's contact details.
        access_log_for_request(request, kind=AccessLog.Kind.CONTACTS, officials=[self.participant])
        return response

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


class CohortOrientationNoticesView(RoleRequiredMixin, TemplateView):
    """Confirm, then record and dispatch the orientation notices of a cohort."""

    allowed_roles = (Role.COORDINATOR,)
    template_name = "participants/cohort_orientation_notices.html"

    @cached_property
    def cohort(self):
        return get_object_or_404(cohorts_visible_to(user=self.request.user), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            cohort=self.cohort,
            audience=orientation_notice_audience(cohort=self.cohort),
            **kwargs,
        )

    def post(self, request, pk):
        try:
            result = orientation_notices_send(cohort=self.cohort, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("participants:cohort_orientation_notices", pk=self.cohort.pk)
        messages.success(
            request,
            _(
                "Orientation notices: {recorded} queued now, {already} already recorded before, "
                "{without} officials without an account."
            ).format(
                recorded=result.recorded,
                already=result.already,
                without=result.without_account,
            ),
        )
        return redirect("notifications:notification_outbox", pk=self.cohort.pk)
