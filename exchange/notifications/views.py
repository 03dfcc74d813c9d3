"""Pages of the notification system: each user's notices, and a cohort's outbox for coordinators."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from exchange.http import safe_next_url
from exchange.mixins import RoleRequiredMixin
from exchange.models import Notification
from exchange.roles import Role

from . import selectors, services
from .forms import CohortRemindersForm
from .messages import notice_subject, render_message

EVERY_ROLE = (Role.ADMIN, Role.COORDINATOR, Role.LIAISON, Role.PARTICIPANT)


class NotificationListView(RoleRequiredMixin, ListView):
    """The user's own notices, newest first, unread ones highlighted."""

    allowed_roles = EVERY_ROLE
    template_name = "exchange/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 25

    def get_queryset(self):
        return selectors.with_related(
            selectors.notifications_for(user=self.request.user).order_by("-scheduled_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        notifications = list(context["notifications"])
        readable = selectors.notifications_readable(notifications)
        context["rows"] = [
            (notification, notice_subject(notification, readable=notification.pk in readable))
            for notification in notifications
        ]
        return context


class NotificationDetailView(RoleRequiredMixin, DetailView):
    """One of the user's notices, in the language of the page; opening it marks it read."""

    allowed_roles = EVERY_ROLE
    template_name = "exchange/notification_detail.html"
    context_object_name = "notification"

    def get_queryset(self):
        return selectors.with_related(selectors.notifications_for(user=self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        notification = self.object
        services.notification_mark_read(notification=notification, user=self.request.user)
        related = notification.related_object
        gone = notification.object_id is not None and related is None
        if gone and not notification.snapshot:
            return context
        readable = not gone and notification.pk in selectors.notifications_readable([notification])
        context["message"], _context = render_message(
            notification, related, language=self.request.LANGUAGE_CODE, readable=readable
        )
        context["snapshot_only"] = not readable
        return context


class NotificationReadView(RoleRequiredMixin, View):
    allowed_roles = EVERY_ROLE

    def post(self, request, pk):
        notification = get_object_or_404(selectors.notifications_for(user=request.user), pk=pk)
        services.notification_mark_read(notification=notification, user=request.user)
        return HttpResponseRedirect(
            safe_next_url(request, reverse("notifications:notification_list"))
        )


class NotificationReadAllView(RoleRequiredMixin, View):
    allowed_roles = EVERY_ROLE

    def post(self, request):
        count = services.notifications_mark_all_read(user=request.user)
        messages.success(request, _("{count} notices marked as read.").format(count=count))
        return redirect("notifications:notification_list")


class NotificationBadgeView(RoleRequiredMixin, TemplateView):
    """The unread count in the navigation, loaded by htmx so no page pays for it (one query)."""

    allowed_roles = EVERY_ROLE
    template_name = "exchange/fragments/notification_badge.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            unread=selectors.notification_unread_count(user=self.request.user), **kwargs
        )


class CohortScopedMixin(RoleRequiredMixin):
    """Coordinators only; the cohort is loaded through what the user may see (else 404)."""

    allowed_roles = (Role.COORDINATOR,)

    @cached_property
    def cohort(self):
        return get_object_or_404(
            selectors.outbox_cohorts_for(user=self.request.user), pk=self.kwargs["pk"]
        )


class NotificationOutboxView(CohortScopedMixin, ListView):
    """A cohort's outbox: every notice with its status, attempts and reason; failed and stuck
    ones can be re-sent."""

    template_name = "exchange/notification_outbox.html"
    context_object_name = "notifications"
    paginate_by = 50

    def get_queryset(self):
        self.status = self.request.GET.get("status", "")
        if self.status not in Notification.Status.values:
            self.status = ""
        return selectors.cohort_outbox(cohort=self.cohort, status=self.status or None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = selectors.cohort_outbox_counts(cohort=self.cohort)
        total = counts["total"] or 1
        context.update(
            cohort=self.cohort,
            status=self.status,
            counts=counts,
            tabs=[
                (value, label, counts[value], round(100 * counts[value] / total, 1))
                for value, label in Notification.Status.choices
            ],
            stuck_ids={n.pk for n in context["notifications"] if services.notification_is_stuck(n)},
        )
        return context


class NotificationResendView(RoleRequiredMixin, View):
    allowed_roles = (Role.COORDINATOR,)

    def post(self, request, pk):
        notification = get_object_or_404(
            selectors.outbox_notifications_for(user=request.user), pk=pk
        )
        try:
            services.notification_resend(notification=notification, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The notice to {recipient} is queued again.").format(
                    recipient=notification.recipient.get_full_name()
                    or notification.recipient.username
                ),
            )
        default = reverse(
            "notifications:notification_outbox", kwargs={"pk": notification.cohort_id}
        )
        return HttpResponseRedirect(safe_next_url(request, default))


class CohortRemindersView(CohortScopedMixin, FormView):
    """When a cohort's reminders go out (days before each event)."""

    template_name = "exchange/cohort_reminders_form.html"
    form_class = CohortRemindersForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.cohort}

    def get_context_data(self, **kwargs):
        return super().get_context_data(cohort=self.cohort, **kwargs)

    def form_valid(self, form):
        try:
            services.cohort_reminders_update(
                cohort=self.cohort, by=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(self.request, _("Reminder settings saved."))
        return redirect("notifications:notification_outbox", pk=self.cohort.pk)
