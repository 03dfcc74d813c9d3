"""The coordinator's plan: the plan check of the draft, and publishing it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from exchange.mixins import RoleRequiredMixin
from exchange.roles import Role
from exchange.selectors import cohorts_visible_to
from participants.models import Participant

from .plan_check import plan_check
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
            cohort=self.cohort, check=check, selected=selected, **kwargs
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
        target = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(target)
        return redirect("placements:cohort_dashboard", pk=self.cohort.pk)
