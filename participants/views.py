from django.views.generic import DetailView, TemplateView

from exchange.mixins import RoleRequiredMixin
from exchange.roles import Role

from .selectors import participants_visible_to


class ParticipantDetailView(RoleRequiredMixin, DetailView):
    allowed_roles = (Role.COORDINATOR, Role.LIAISON)
    template_name = "participants/participant_detail.html"
    context_object_name = "participant"

    def get_queryset(self):
        return participants_visible_to(user=self.request.user).select_related("cohort", "home_city")


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
