"""The official's pages that show their placements: the official's page (details, attachments,
history), their schedule (list, month, week, print), the private calendar feed, and the
withdrawal, which cancels their attachments. Drawn here, where the placements live, so that
`participants` needs nothing from above it.
"""

import datetime
import hashlib
import hmac

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView

from exchange.mixins import RoleRequiredMixin
from exchange.roles import Role, is_coordinator
from participants.forms import WithdrawForm
from participants.models import AccessLog, HostPreference, Participant, calendar_token_digest
from participants.selectors import participants_visible_to
from participants.services import access_log_for_request

from .calendar_feed import schedule_calendar, schedule_last_modified
from .models import Attachment
from .schedule import (
    default_anchor,
    month_page,
    schedule_by_day,
    schedule_list,
    today_in_hong_kong,
    week_page,
)
from .selectors import attachment_history, attachments_visible_to, schedule_for_participant
from .services import participant_withdraw


class ParticipantDetailView(RoleRequiredMixin, DetailView):
    allowed_roles = (Role.COORDINATOR, Role.LIAISON)
    template_name = "placements/participant_detail.html"
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

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)  # a 404 outside the scope logs nothing
        access_log_for_request(request, kind=AccessLog.Kind.OFFICIAL_PAGE, officials=[self.object])
        return response

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


class ScheduleMixin:
    """Lays out one official's schedule as the list, month or week the request asks for."""

    template_name = "placements/participant_schedule.html"
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
            "print_url": reverse(
                "placements:participant_schedule_print", kwargs={"pk": participant.pk}
            ),
        }
        if context["is_owner"]:
            # The full feed address only ever reaches its owner's own page: they copy it again
            # onto a new phone from here; everyone else (coordinators, the admin) never gets it.
            context["feed_url"] = self.request.build_absolute_uri(
                reverse("placements:calendar_feed", kwargs={"token": participant.calendar_token})
            )
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

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # The official's own schedule is not an access by someone else: the service skips it.
        access_log_for_request(request, kind=AccessLog.Kind.SCHEDULE, officials=[self.object])
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.schedule_context(self.object))
        return context


class ParticipantSchedulePrintView(ParticipantScheduleView):
    """The whole schedule on paper: every day in order, with the attachment details."""

    template_name = "placements/participant_schedule_print.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["printed_days"] = schedule_by_day(context["schedule"].items)
        return context


class CalendarFeedView(View):
    """The private iCalendar feed. Calendar apps cannot log in, so the unguessable token in the
    address is the only key: no RoleRequiredMixin, and any token but the current one is a 404."""

    def get(self, request, token):
        # Looked up by the token's hash (an index on a digest, not a string match on the
        # secret), and the digests compared in constant time.
        digest = calendar_token_digest(token)
        participant = (
            Participant.objects.select_related("cohort").filter(calendar_token_hash=digest).first()
        )
        if participant is None or not hmac.compare_digest(
            calendar_token_digest(participant.calendar_token), digest
        ):
            raise Http404(_("No calendar at this address."))
        with translation.override(participant.preferred_language):
            schedule = schedule_for_participant(participant=participant)
            body = schedule_calendar(schedule)
        # The body is the same bytes for the same schedule, so its digest is a strong validator:
        # a calendar app that asks again gets 304 and nothing to parse. Last-Modified cannot see
        # an event leave the feed (an official taken off an activity's named list); the ETag
        # can, and it wins when a client sends both.
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        last_modified = schedule_last_modified(schedule).timestamp()
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if response is None:
            response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        response["Content-Disposition"] = 'inline; filename="exchange-schedule.ics"'
        response["Cache-Control"] = "private, max-age=900"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        return response


class ParticipantWithdrawView(RoleRequiredMixin, FormView):
    """Asks first, listing the attachments that withdrawing cancels."""

    allowed_roles = (Role.COORDINATOR,)
    template_name = "placements/participant_confirm_withdraw.html"
    form_class = WithdrawForm

    def get_participant(self) -> Participant:
        return get_object_or_404(
            participants_visible_to(user=self.request.user).select_related("cohort", "home_city"),
            pk=self.kwargs["pk"],
        )

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
