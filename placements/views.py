from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, FormView, ListView, TemplateView, UpdateView

from exchange.mixins import RoleRequiredMixin
from exchange.roles import Role, is_coordinator
from exchange.selectors import cohorts_visible_to, departments_of_liaison

from .forms import ActivityForm
from .schedule import today_in_hong_kong
from .selectors import (
    activities_editable_by,
    activity_audiences,
    attachees_of_liaison,
)
from .services import activity_cancel, activity_create, activity_update


class CohortListView(RoleRequiredMixin, ListView):
    allowed_roles = (Role.COORDINATOR,)
    template_name = "placements/cohort_list.html"
    context_object_name = "cohorts"
    paginate_by = 25

    def get_queryset(self):
        return (
            cohorts_visible_to(user=self.request.user)
            .annotate(
                participant_count=Count("participants", filter=~Q(participants__status="withdrawn"))
            )
            .order_by("-orientation_start", "pk")
        )


class CohortDashboardView(RoleRequiredMixin, DetailView):
    allowed_roles = (Role.COORDINATOR,)
    template_name = "placements/cohort_dashboard.html"
    context_object_name = "cohort"

    def get_queryset(self):
        return cohorts_visible_to(user=self.request.user)


class LiaisonAttacheesView(RoleRequiredMixin, TemplateView):
    """A liaison officer's attachees, now and upcoming, with how to reach them, and the
    activities planned for their department(s)."""

    allowed_roles = (Role.LIAISON,)
    template_name = "placements/liaison_attachees.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = today_in_hong_kong()
        attachments = list(attachees_of_liaison(user=user, today=today))
        cohorts = list(
            {a.participant.cohort_id: a.participant.cohort for a in attachments}.values()
        )
        activities = list(
            activities_editable_by(user=user)
            .filter(ends_at__gte=timezone.now(), cohort__in=[c.pk for c in cohorts])
            .select_related("department", "cohort")
            .order_by("starts_at", "pk")
        )
        for attachment in attachments:
            attachment.days_total = (attachment.end - attachment.start).days + 1
            attachment.days_done = min((today - attachment.start).days + 1, attachment.days_total)
        _add_audience_sizes(activities)
        departments = list(departments_of_liaison(user=user))
        return super().get_context_data(
            today=today,
            departments=departments,
            show_department=len(departments) > 1,
            attachments=attachments,
            current=[a for a in attachments if a.start <= today],
            upcoming=[a for a in attachments if a.start > today],
            cohorts=cohorts,
            activities=activities,
            **kwargs,
        )


def _add_audience_sizes(activities) -> None:
    """How many officials each activity is for, in a fixed number of queries."""
    audiences = activity_audiences(activities=activities)
    for activity in activities:
        activity.audience_size = len(audiences[activity.pk])


class ActivityListView(RoleRequiredMixin, ListView):
    """A cohort's activities: all of them for a coordinator, their department's for a liaison."""

    allowed_roles = (Role.COORDINATOR, Role.LIAISON)
    template_name = "placements/activity_list.html"
    context_object_name = "activities"
    paginate_by = 50

    def get_queryset(self):
        self.cohort = get_object_or_404(
            cohorts_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )
        return (
            activities_editable_by(user=self.request.user)
            .filter(cohort=self.cohort)
            .select_related("department")
            .order_by("starts_at", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(cohort=self.cohort, **kwargs)
        activities = list(context["activities"])
        _add_audience_sizes(activities)
        context["activities"] = context["object_list"] = activities
        return context


class ActivityFormMixin:
    """Shared by create and update: the form knows who plans and for which cohort, and a rule the
    service refuses comes back as form errors."""

    template_name = "placements/activity_form.html"
    form_class = ActivityForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "cohort": self.cohort}

    def get_context_data(self, **kwargs):
        return super().get_context_data(cohort=self.cohort, **kwargs)

    def get_success_url(self):
        if is_coordinator(self.request.user):
            return reverse("placements:activity_list", kwargs={"pk": self.cohort.pk})
        return reverse("placements:liaison_attachees")

    def form_valid(self, form):
        try:
            activity = self.run_service(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message % {"title": activity.title})
        return redirect(self.get_success_url())


class ActivityCreateView(ActivityFormMixin, RoleRequiredMixin, FormView):
    allowed_roles = (Role.COORDINATOR, Role.LIAISON)
    success_message = _("Activity “%(title)s” added to the schedules.")

    @cached_property
    def cohort(self):
        return get_object_or_404(cohorts_visible_to(user=self.request.user), pk=self.kwargs["pk"])

    def run_service(self, form):
        return activity_create(cohort=self.cohort, by=self.request.user, **form.cleaned_data)


class ActivityUpdateView(ActivityFormMixin, RoleRequiredMixin, UpdateView):
    allowed_roles = (Role.COORDINATOR, Role.LIAISON)
    context_object_name = "activity"
    success_message = _("Activity “%(title)s” changed; its audience will be told.")

    def get_queryset(self):
        return activities_editable_by(user=self.request.user).select_related("cohort")

    @property
    def cohort(self):
        return self.object.cohort

    def run_service(self, form):
        return activity_update(activity=self.object, by=self.request.user, **form.cleaned_data)


class ActivityCancelView(RoleRequiredMixin, DetailView):
    """Asks to confirm, then cancels: the activity stays on schedules, marked cancelled."""

    allowed_roles = (Role.COORDINATOR, Role.LIAISON)
    template_name = "placements/activity_confirm_cancel.html"
    context_object_name = "activity"

    def get_queryset(self):
        return activities_editable_by(user=self.request.user).select_related("cohort", "department")

    def post(self, request, *args, **kwargs):
        activity = activity_cancel(activity=self.get_object(), by=request.user)
        messages.success(
            request,
            _("Activity “%(title)s” cancelled; its audience will be told.")
            % {"title": activity.title},
        )
        if is_coordinator(request.user):
            return redirect("placements:activity_list", pk=activity.cohort_id)
        return redirect("placements:liaison_attachees")
