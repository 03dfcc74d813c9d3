"""The coordinator's plan: suggestions by the solver (asked for, followed while computing,
accepted whole or row by row into the draft), the plan check of the draft, and publishing it."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from exchange.http import safe_next_url
from exchange.mixins import RoleRequiredMixin
from exchange.roles import Role
from exchange.selectors import cohorts_visible_to
from participants.models import Participant

from . import plan_rows
from .models import PlanSuggestion
from .plan_check import plan_check
from .planning_services import plan_suggestion_accept, plan_suggestion_request
from .services import plan_publish


class PlanPublishView(RoleRequiredMixin, TemplateView):
    """The plan check of a cohort's draft (errors that would refuse publishing, warnings that
    never block), what publishing sends, and the button. `?participant=<id>` (repeatable)
    narrows it to some officials."""

    allowed_roles = (Role.COORDINATOR,)
    template_name = "placements/plan_publish.html"

    @cached_property
    def cohort(self):
        return get_object_or_404(cohorts_visible_to(user=self.request.user), pk=self.kwargs["pk"])

    def selected(self, data) -> list[Participant] | None:
        ids = [value for value in data.getlist("participant") if value.isdigit()]
        if not ids:
            return None
        return list(Participant.objects.filter(cohort=self.cohort, pk__in=ids))

    def get_context_data(self, **kwargs):
        selected = self.selected(self.request.GET)
        check = plan_check(cohort=self.cohort, participants=selected)
        return super().get_context_data(
            cohort=self.cohort,
            check=check,
            selected=selected,
            suggestions=self.cohort.plan_suggestions.all()[:5],
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        selected = self.selected(request.POST)
        try:
            result = plan_publish(cohort=self.cohort, by=request.user, participants=selected)
        except ValidationError as error:
            messages.error(
                request,
                _("Nothing was published: {reasons}").format(reasons=" ".join(error.messages)),
            )
            return redirect("placements:plan_publish", pk=self.cohort.pk)
        if not result.attachments:
            messages.info(request, _("There is nothing to publish: the draft is empty."))
        else:
            messages.success(
                request,
                ngettext(
                    "Published %(count)d attachment of %(officials)d official(s); "
                    "they and their liaison officers are told.",
                    "Published %(count)d attachments of %(officials)d official(s); "
                    "they and their liaison officers are told.",
                    result.attachments,
                )
                % {"count": result.attachments, "officials": result.officials},
            )
        dashboard = reverse("placements:cohort_dashboard", kwargs={"pk": self.cohort.pk})
        return redirect(safe_next_url(request, default=dashboard))


class SuggestionScopedMixin(RoleRequiredMixin):
    """Coordinators only; the suggestion is loaded through the cohorts the user may see."""

    allowed_roles = (Role.COORDINATOR,)

    @cached_property
    def suggestion(self) -> PlanSuggestion:
        return get_object_or_404(
            PlanSuggestion.objects.select_related("cohort").filter(
                cohort__in=cohorts_visible_to(user=self.request.user)
            ),
            pk=self.kwargs["pk"],
        )


class PlanSuggestView(RoleRequiredMixin, View):
    """Ask the solver for the best plan of a cohort (POST); the answer is the suggestion's page,
    which follows the task's progress."""

    allowed_roles = (Role.COORDINATOR,)
    http_method_names = ["post"]

    def post(self, request, pk):
        cohort = get_object_or_404(cohorts_visible_to(user=request.user), pk=pk)
        try:
            suggestion = plan_suggestion_request(
                cohort=cohort, by=request.user, replan=request.POST.get("replan") == "on"
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("placements:plan_publish", pk=cohort.pk)
        return redirect("placements:plansuggestion_detail", pk=suggestion.pk)


class PlanSuggestionDetailView(SuggestionScopedMixin, TemplateView):
    """A suggestion: its progress while the solver works (the page polls a fragment), then the
    rows with their reasons, the score, and accept (whole or the rows ticked)."""

    template_name = "placements/plansuggestion_detail.html"

    def get_template_names(self):
        if self.request.headers.get("HX-Request") == "true":
            return ["placements/fragments/plansuggestion_body.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        suggestion = self.suggestion
        rows = [
            {
                **row,
                "reason": plan_rows.row_reason(row),
                "start_day": datetime.date.fromisoformat(row["start"]),
                "end_day": datetime.date.fromisoformat(row["end"]),
            }
            for row in suggestion.rows
        ]
        unplaced = [
            {**item, "reason": plan_rows.unplaced_reason(item)} for item in suggestion.unplaced
        ]
        return super().get_context_data(
            cohort=suggestion.cohort,
            suggestion=suggestion,
            rows=rows,
            unplaced=unplaced,
            open_rows=sum(1 for row in rows if row["state"] == plan_rows.SUGGESTED),
            **kwargs,
        )


class PlanSuggestionAcceptView(SuggestionScopedMixin, View):
    """Accept a suggestion whole, or the rows ticked, as draft attachments; then the plan check."""

    http_method_names = ["post"]

    def post(self, request, pk):
        suggestion = self.suggestion
        chosen = None
        if request.POST.get("scope") == "rows":
            chosen = [int(v) for v in request.POST.getlist("row") if v.isdigit()]
            if not chosen:
                messages.error(request, _("Tick the rows to accept, or accept the whole plan."))
                return redirect("placements:plansuggestion_detail", pk=suggestion.pk)
        try:
            result = plan_suggestion_accept(suggestion=suggestion, by=request.user, row_ids=chosen)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("placements:plansuggestion_detail", pk=suggestion.pk)
        created = len(result.created)
        messages.success(
            request,
            ngettext(
                "%(count)d attachment added to the draft. Nothing is sent until you publish.",
                "%(count)d attachments added to the draft. Nothing is sent until you publish.",
                created,
            )
            % {"count": created},
        )
        for row, reasons in result.refused:
            messages.warning(
                request,
                _("{name} at {dept} was not added: {reasons}").format(
                    name=row["name"], dept=row["abbreviation"], reasons=" ".join(reasons)
                ),
            )
        return redirect("placements:plan_publish", pk=suggestion.cohort_id)
