"""Operations: the Celery configuration and task names, the beat schedules, the commands."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from exchange.celery import app
from exchange.models import Notification
from tests.exchange.notification_factories import make_notification
from tests.factories import CohortFactory, ParticipantFactory, UserFactory


def test_celery_speaks_json_only_with_time_limits():
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit


def test_tasks_have_stable_names_and_the_send_is_acknowledged_late():
    app.loader.import_default_modules()
    names = {
        "exchange.send_notification",
        "exchange.send_notifications",
        "exchange.dispatch_notifications",
        "exchange.plan_reminders",
    }
    assert names <= set(app.tasks)
    for name in ("exchange.send_notification", "exchange.send_notifications"):
        send = app.tasks[name]
        assert send.acks_late and send.reject_on_worker_lost
        assert send.time_limit and send.soft_time_limit


@pytest.mark.django_db
def test_beat_schedules_are_rows_admins_can_change():
    tasks = {t.task: t for t in PeriodicTask.objects.select_related("interval")}
    dispatch = tasks["exchange.dispatch_notifications"]
    plan = tasks["exchange.plan_reminders"]
    assert (dispatch.interval.every, dispatch.interval.period) == (1, "minutes")
    assert (plan.interval.every, plan.interval.period) == (1, "hours")
    assert dispatch.enabled and plan.enabled


@pytest.mark.django_db
def test_plan_notifications_command_records_due_reminders():
    cohort = CohortFactory(orientation_start=timezone.localdate() + datetime.timedelta(days=3))
    ParticipantFactory(cohort=cohort, user=UserFactory())
    out = StringIO()
    call_command("plan_notifications", stdout=out)
    assert "1 reminders recorded" in out.getvalue()
    assert Notification.objects.get().kind == "orientation_reminder"
    call_command("plan_notifications", stdout=out)
    assert Notification.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_dispatch_notifications_sync_sends_in_the_command(mailoutbox):
    for _ in range(3):
        make_notification()
    out = StringIO()
    call_command("dispatch_notifications", "--sync", "--batch-size", "2", stdout=out)
    assert "3 notices tried: 3 sent" in out.getvalue()
    assert len(mailoutbox) == 3
