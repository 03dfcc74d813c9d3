import datetime

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView

from exchange.mixins import RoleRequiredMixin
from exchange.roles import Role
from placements.calendar_feed import schedule_calendar
from placements.schedule import (
    default_anchor,
    month_page,
    schedule_by_day,
    schedule_list,
    today_in_hong_kong,
    week_page,
)
from placements.selectors import schedule_for_participant

from .forms import LanguageForm
from .models import Participant
from .selectors import participants_visible_to
from .services import participant_calendar_token_reset, participant_language_update


class ParticipantDetailView(RoleRequiredMixin, DetailView):
    allowed_roles = (Role.COORDINATOR, Role.LIAISON)
    template_name = "participants/participant_detail.html"
    context_object_name = "participant"

    def get_queryset(self):
        return participants_visible_to(user=self.request.user).select_related("cohort", "home_city")


class ScheduleMixin:
    """Lays out one official's schedule as the list, month or week the request asks for."""

    template_name = "participants/participant_schedule.html"
    VIEWS = ("list", "month", "week")

    def schedule_context(self, participant: Participant) -> dict:
        schedule = schedule_for_participant(participant=participant)
        today = today_in_hong_kong()
        mode = self.request.GET.get("view")
        mode = mode if mode in self.VIEWS else "list"
        try:
            anchor = datetime.date.fromisoformat(self.request.GET.get("date", ""))
        except ValueError:
            anchor = None
        # Far-off dates are typing mistakes, and the calendar's arithmetic would overflow on them.
        if anchor is None or not 1900 <= anchor.year <= 2999:
            anchor = default_anchor(schedule.items, today=today)
        context = {
            "participant": participant,
            "schedule": schedule,
            "today": today,
            "mode": mode,
            "anchor": anchor,
            "is_owner": participant.user_id == self.request.user.pk,
            "feed_url": self.request.build_absolute_uri(
                reverse("participants:calendar_feed", kwargs={"token": participant.calendar_token})
            ),
            "print_url": reverse(
                "participants:participant_schedule_print", kwargs={"pk": participant.pk}
            ),
        }
        context["webcal_url"] = "webcal://" + context["feed_url"].split("://", 1)[1]
        if mode == "list":
            context["days"] = schedule_list(schedule.items, today=today)
        elif mode == "month":
            context["calendar"] = month_page(schedule.items, anchor=anchor, today=today)
        else:
            context["calendar"] = week_page(schedule.items, anchor=anchor, today=today)
        return context


class MyScheduleView(ScheduleMixin, RoleRequiredMixin, TemplateView):
    """The logged-in official's own schedule: their latest cohort, with links to earlier ones."""

    allowed_roles = (Role.PARTICIPANT,)

    def get_context_data(self, **kwargs):
        participations = list(
            participants_visible_to(user=self.request.user)
            .filter(user=self.request.user)
            .select_related("cohort", "home_city")
            .order_by("-cohort__orientation_start")
        )
        context = super().get_context_data(participations=participations, **kwargs)
        if participations:
            context.update(self.schedule_context(participations[0]))
        return context


class ParticipantScheduleView(ScheduleMixin, RoleRequiredMixin, DetailView):
    """Any official's schedule for a coordinator; an official may open only their own (404)."""

    allowed_roles = (Role.COORDINATOR, Role.PARTICIPANT)
    context_object_name = "participant"

    def get_queryset(self):
        return participants_visible_to(user=self.request.user).select_related("cohort", "home_city")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.schedule_context(self.object))
        return context


class ParticipantSchedulePrintView(ParticipantScheduleView):
    """The whole schedule on paper: every day in order, with the attachment details."""

    template_name = "participants/participant_schedule_print.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["printed_days"] = schedule_by_day(context["schedule"].items)
        return context


class CalendarFeedView(View):
    """The private iCalendar feed. Calendar apps cannot log in, so the unguessable token in the
    address is the only key: no RoleRequiredMixin, and any token but the current one is a 404."""

    def get(self, request, token):
        participant = (
            Participant.objects.select_related("cohort").filter(calendar_token=token).first()
        )
        if participant is None:
            raise Http404(_("No calendar at this address."))
        with translation.override(participant.preferred_language):
            body = schedule_calendar(schedule_for_participant(participant=participant))
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="exchange-schedule.ics"'
        response["Cache-Control"] = "private, max-age=900"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        return response


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
        return redirect("participants:my_schedule")


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
