from django.db.models import Count, Q
from django.utils import timezone
from django.views.generic import DetailView, ListView, TemplateView

from exchange.mixins import RoleRequiredMixin
from exchange.roles import Role
from exchange.selectors import cohorts_visible_to, departments_of_liaison

from .selectors import attachments_visible_to


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
    allowed_roles = (Role.LIAISON,)
    template_name = "placements/liaison_attachees.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = timezone.localdate()
        attachments = (
            attachments_visible_to(user=user)
            .filter(department__in=departments_of_liaison(user=user), end__gte=today)
            .exclude(status="cancelled")
            .select_related("participant__home_city", "department")
            .order_by("department__abbreviation", "start")
        )
        return super().get_context_data(
            departments=departments_of_liaison(user=user), attachments=attachments, **kwargs
        )
