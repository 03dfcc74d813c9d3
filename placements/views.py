from crispy_forms.helper import FormHelper
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView, UpdateView

from exchange.forms import add_service_error
from exchange.http import safe_next_url
from exchange.mixins import RoleRequiredMixin
from exchange.models import Cohort, HostDepartment
from exchange.roles import Role, is_coordinator
from exchange.selectors import cohorts_visible_to, departments_for_cohort, departments_of_liaison
from participants.models import AccessLog, Participant
from participants.selectors import participants_visible_to
from participants.services import access_log_for_request

from .forms import (
    ActivityForm,
    AttachmentCancelForm,
    AttachmentCreateForm,
    AttachmentForm,
    BoardFilterForm,
    CohortForm,
    assignment_initial,
    assignment_wishes,
    cohort_capacity_formset,
    cohort_quota_formset,
    seats_of,
)
from .fragments import (
    render_attachment_history,
    render_board_rows,
    render_timeline_departments,
)
from .models import Attachment
from .schedule import today_in_hong_kong
from .selectors import (
    activities_editable_by,
    activity_audiences,
    attachees_of_liaison,
    attachment_history,
    attachments_visible_to,
    board_participants,
    cohort_dashboard,
    cohort_timeline,
)
from .services import (
    activity_cancel,
    activity_create,
    activity_update,
    attachment_cancel,
    attachment_confirm,
    attachment_create,
    attachment_update,
    cohort_save,
)


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
    """A cohort at a glance: seats by city and by department, who is unassigned, this week."""

    allowed_roles = (Role.COORDINATOR,)
    template_name = "placements/cohort_dashboard.html"
    context_object_name = "cohort"

    def get_queryset(self):
        return cohorts_visible_to(user=self.request.user)

    def get_context_data(self, **kwargs):
        history = attachment_history(user=self.request.user, cohort=self.object, limit=8)
        return super().get_context_data(
            dashboard=cohort_dashboard(cohort=self.object),
            history_html=render_attachment_history(self.request, history),
            **kwargs,
        )


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
        access_log_for_request(
            self.request,
            kind=AccessLog.Kind.CONTACTS,
            officials=[attachment.participant for attachment in attachments],
        )
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


# Cohort management: the cohort with its city quotas and host capacities in one form.


class CohortFormView(RoleRequiredMixin, TemplateView):
    """Create or edit a cohort with its quotas and capacities; `placements.services.cohort_save`
    refuses changes that would strand existing officials or attachments."""

    allowed_roles = (Role.COORDINATOR,)
    template_name = "placements/cohort_form.html"

    def get_cohort(self) -> Cohort:
        return Cohort()

    def get_forms(self, cohort: Cohort, data=None):
        form = CohortForm(data, instance=cohort, prefix="cohort")
        quotas = cohort_quota_formset(cohort, data)
        capacities = cohort_capacity_formset(cohort, data)
        return form, quotas, capacities

    def get(self, request, *args, **kwargs):
        cohort = self.get_cohort()
        return self.render(cohort, *self.get_forms(cohort))

    def post(self, request, *args, **kwargs):
        cohort = self.get_cohort()
        form, quotas, capacities = self.get_forms(cohort, request.POST)
        if form.is_valid() and quotas.is_valid() and capacities.is_valid():
            try:
                cohort = cohort_save(
                    cohort=form.instance,
                    quotas=seats_of(quotas),
                    capacities=seats_of(capacities),
                    by=request.user,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Cohort saved."))
                return redirect(cohort.get_absolute_url())
        return self.render(cohort, form, quotas, capacities)

    def render(self, cohort, form, quotas, capacities):
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.template = "bootstrap5/table_inline_formset.html"
        return self.render_to_response(
            self.get_context_data(
                cohort=cohort if cohort.pk else None,
                form=form,
                quotas=quotas,
                capacities=capacities,
                formset_helper=helper,
            )
        )


class CohortCreateView(CohortFormView):
    pass


class CohortUpdateView(CohortFormView):
    def get_cohort(self) -> Cohort:
        return get_object_or_404(cohorts_visible_to(user=self.request.user), pk=self.kwargs["pk"])


# The placement board. Row actions answer htmx requests with the official's row (the `<tbody>`
# of the board), and plain posts with a redirect or a full page, so the board works without
# JavaScript as well.


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


class CohortMixin:
    """Load the cohort of the URL through the user's scope (outside it: 404)."""

    def get_cohort(self) -> Cohort:
        return get_object_or_404(cohorts_visible_to(user=self.request.user), pk=self.kwargs["pk"])


class CohortBoardView(RoleRequiredMixin, CohortMixin, ListView):
    """Every official of a cohort with their city, rank, interests, ranked preferences and live
    attachments; filters; assign, change, confirm, cancel and reassign in the row."""

    allowed_roles = (Role.COORDINATOR,)
    template_name = "placements/cohort_board.html"
    context_object_name = "officials"
    # What a coordinator works through at once; each row carries its forms and history links.
    paginate_by = 25

    def get_queryset(self):
        self.cohort = self.get_cohort()
        self.filters = BoardFilterForm(self.request.GET or None, cohort=self.cohort)
        filters = self.filters.cleaned_data if self.filters.is_valid() else {}
        return board_participants(
            cohort=self.cohort,
            user=self.request.user,
            **{key: value for key, value in filters.items() if value},
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            cohort=self.cohort,
            filters=self.filters,
            history_html=render_attachment_history(
                self.request, attachment_history(user=self.request.user, cohort=self.cohort)
            ),
            **kwargs,
        )
        context.update(
            board_counts(cohort=self.cohort, user=self.request.user, filters=self.filters)
        )
        context["matching"] = context["paginator"].count
        context["board_rows"] = render_board_rows(self.request, context["officials"], self.cohort)
        return context


def board_counts(*, cohort, user, filters) -> dict:
    """How many officials match the board's filters, and how many are still unassigned."""
    unassigned = board_participants(cohort=cohort, user=user, assignment="unassigned")
    return {"unassigned": unassigned.exclude(status=Participant.Status.WITHDRAWN).count()}


class BoardCountView(RoleRequiredMixin, CohortMixin, TemplateView):
    """The board's counts, refreshed by htmx after every change in a row."""

    allowed_roles = (Role.COORDINATOR,)
    template_name = "placements/fragments/board_count.html"

    def get_context_data(self, **kwargs):
        cohort = self.get_cohort()
        filters = BoardFilterForm(self.request.GET or None, cohort=cohort)
        data = filters.cleaned_data if filters.is_valid() else {}
        matching = board_participants(
            cohort=cohort, user=self.request.user, **{k: v for k, v in data.items() if v}
        ).count()
        return super().get_context_data(
            matching=matching,
            **board_counts(cohort=cohort, user=self.request.user, filters=filters),
            **kwargs,
        )


class CohortTimelineView(RoleRequiredMixin, CohortMixin, TemplateView):
    """Who is at each host department in which weeks, one lane per seat."""

    allowed_roles = (Role.COORDINATOR,)
    template_name = "placements/cohort_timeline.html"

    def get_context_data(self, **kwargs):
        cohort = self.get_cohort()
        department = None
        if self.request.GET.get("department"):
            department = get_object_or_404(
                HostDepartment.objects.filter(capacities__cohort=cohort),
                abbreviation=self.request.GET["department"],
            )
        timeline = cohort_timeline(
            cohort=cohort, department=department, page=self.request.GET.get("page")
        )
        return super().get_context_data(
            cohort=cohort,
            department=department,
            timeline=timeline,
            timeline_sections=render_timeline_departments(self.request, timeline),
            **kwargs,
        )


class AttachmentHistoryView(RoleRequiredMixin, CohortMixin, TemplateView):
    """The board's history panel, reloaded after each change."""

    allowed_roles = (Role.COORDINATOR,)
    template_name = "placements/fragments/attachment_history.html"

    def get_context_data(self, **kwargs):
        cohort = self.get_cohort()
        return super().get_context_data(
            cohort=cohort, history=attachment_history(user=self.request.user, cohort=cohort)
        )


class BoardActionMixin(RoleRequiredMixin):
    """Shared by the row actions: scoped lookups and the two ways of answering."""

    allowed_roles = (Role.COORDINATOR,)
    full_template_name = ""

    def get_participant(self, pk) -> Participant:
        return get_object_or_404(
            participants_visible_to(user=self.request.user).select_related("cohort"), pk=pk
        )

    def get_attachment(self) -> Attachment:
        return get_object_or_404(
            attachments_visible_to(user=self.request.user).select_related(
                "participant__cohort", "department"
            ),
            pk=self.kwargs["pk"],
        )

    def next_url(self, participant: Participant) -> str:
        """Where to go after the action: the local page `next` names (the official's page, say),
        else the official's row on the board."""
        board = reverse("placements:cohort_board", kwargs={"pk": participant.cohort_id})
        return safe_next_url(self.request, default=f"{board}#official-{participant.pk}")

    def row(self, participant: Participant, *, changed=False, status=200, **extra):
        """The official's board row, freshly read, with an open form or a note if given."""
        cohort = participant.cohort
        official = board_participants(cohort=cohort, user=self.request.user).get(pk=participant.pk)
        response = render(
            self.request,
            "placements/fragments/board_row.html",
            {
                "official": official,
                "cohort": cohort,
                "departments": list(departments_for_cohort(cohort)),
                **extra,
            },
            status=status,
        )
        if changed:
            response["HX-Trigger"] = "attachmentsChanged"
        return response

    def done(self, participant: Participant, message: str):
        if is_htmx(self.request):
            return self.row(participant, changed=True, note=message)
        messages.success(self.request, message)
        return HttpResponseRedirect(self.next_url(participant))

    def refused(self, participant: Participant, error: ValidationError):
        if is_htmx(self.request):
            return self.row(participant, error=error.messages)
        for message in error.messages:
            messages.error(self.request, message)
        return HttpResponseRedirect(self.next_url(participant))

    def show_form(self, participant: Participant, form, *, title: str, action: str, **extra):
        if is_htmx(self.request):
            return self.row(participant, form=form, form_title=title, form_action=action, **extra)
        return render(
            self.request,
            self.full_template_name,
            {
                "participant": participant,
                "cohort": participant.cohort,
                "form": form,
                "form_title": title,
                "form_action": action,
                "next": self.next_url(participant),
                **extra,
            },
        )


class AttachmentCreateView(BoardActionMixin, View):
    """Assign an official to a host department for a period."""

    full_template_name = "placements/attachment_form.html"

    def setup_form(self, data=None):
        participant = self.get_participant(self.kwargs["pk"])
        cohort = participant.cohort
        official = board_participants(cohort=cohort, user=self.request.user).get(pk=participant.pk)
        initial = assignment_initial(
            participant=official, departments=list(departments_for_cohort(cohort))
        )
        form = AttachmentCreateForm(
            data,
            cohort=cohort,
            initial=initial,
            wishes=assignment_wishes(participant=official),
            instance=Attachment(participant=participant),
            prefix=f"assign-{participant.pk}",
        )
        return participant, form

    def render_form(self, participant, form):
        return self.show_form(
            participant,
            form,
            title=_("Assign {name}").format(name=participant.name_en),
            action=reverse("placements:attachment_create", kwargs={"pk": participant.pk}),
        )

    def get(self, request, *args, **kwargs):
        return self.render_form(*self.setup_form())

    def post(self, request, *args, **kwargs):
        participant, form = self.setup_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                attachment = attachment_create(
                    participant=participant,
                    department=data["department"],
                    start=data["start"],
                    end=data["end"],
                    by=request.user,
                    confirmed=data["confirmed"],
                    supervisor=data["supervisor"],
                    notes=data["notes"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                return self.done(
                    participant,
                    _("{name} is assigned to {dept} from {start} to {end}.").format(
                        name=participant.name_en,
                        dept=attachment.department.abbreviation,
                        start=date_format(attachment.start),
                        end=date_format(attachment.end),
                    ),
                )
        return self.render_form(participant, form)


class AttachmentUpdateView(BoardActionMixin, View):
    """Change dates or details of an attachment, or reassign it to another department."""

    full_template_name = "placements/attachment_form.html"

    def setup_form(self, data=None):
        attachment = self.get_attachment()
        form = AttachmentForm(
            data,
            cohort=attachment.participant.cohort,
            instance=attachment,
            prefix=f"attachment-{attachment.pk}",
        )
        return attachment, form

    def render_form(self, attachment, form, department=None):
        department = department or attachment.department
        return self.show_form(
            attachment.participant,
            form,
            title=_("Change {name}'s attachment to {dept}").format(
                name=attachment.participant.name_en, dept=department.abbreviation
            ),
            action=reverse("placements:attachment_update", kwargs={"pk": attachment.pk}),
            attachment=attachment,
        )

    def get(self, request, *args, **kwargs):
        attachment, form = self.setup_form()
        if not attachment.is_live:
            raise Http404
        return self.render_form(attachment, form)

    def post(self, request, *args, **kwargs):
        attachment, form = self.setup_form(request.POST)
        # Validating writes the posted values on `attachment`: keep what it was.
        participant, department = attachment.participant, attachment.department
        if form.is_valid():
            data = form.cleaned_data
            try:
                updated = attachment_update(
                    attachment=attachment,
                    by=request.user,
                    department=data["department"],
                    start=data["start"],
                    end=data["end"],
                    supervisor=data["supervisor"],
                    supervisor_email=data["supervisor_email"],
                    notes=data["notes"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                return self.done(
                    participant,
                    _("{name}'s attachment is now at {dept} from {start} to {end}.").format(
                        name=participant.name_en,
                        dept=updated.department.abbreviation,
                        start=date_format(updated.start),
                        end=date_format(updated.end),
                    ),
                )
        return self.render_form(attachment, form, department)


class AttachmentConfirmView(BoardActionMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        attachment = self.get_attachment()
        try:
            attachment_confirm(attachment=attachment, by=request.user)
        except ValidationError as error:
            return self.refused(attachment.participant, error)
        return self.done(
            attachment.participant,
            _("{name}'s attachment to {dept} is confirmed.").format(
                name=attachment.participant.name_en, dept=attachment.department.abbreviation
            ),
        )


class AttachmentCancelView(BoardActionMixin, View):
    """Cancel an attachment (asks first, with an optional reason); its seat is freed."""

    full_template_name = "placements/attachment_confirm_cancel.html"

    def render_form(self, attachment, form):
        return self.show_form(
            attachment.participant,
            form,
            title=_("Cancel {name}'s attachment to {dept}?").format(
                name=attachment.participant.name_en, dept=attachment.department.abbreviation
            ),
            action=reverse("placements:attachment_cancel", kwargs={"pk": attachment.pk}),
            attachment=attachment,
            cancelling=True,
        )

    def get(self, request, *args, **kwargs):
        attachment = self.get_attachment()
        if not attachment.is_live:
            raise Http404
        return self.render_form(attachment, AttachmentCancelForm(prefix=f"cancel-{attachment.pk}"))

    def post(self, request, *args, **kwargs):
        attachment = self.get_attachment()
        form = AttachmentCancelForm(request.POST, prefix=f"cancel-{attachment.pk}")
        if not form.is_valid():
            return self.render_form(attachment, form)
        try:
            attachment_cancel(
                attachment=attachment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            return self.refused(attachment.participant, error)
        return self.done(
            attachment.participant,
            _("{name}'s attachment to {dept} is cancelled; the seat is free.").format(
                name=attachment.participant.name_en, dept=attachment.department.abbreviation
            ),
        )


class BoardRowView(BoardActionMixin, View):
    """One official's board row (closes an open form without reloading the board)."""

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        return self.row(self.get_participant(self.kwargs["pk"]))
