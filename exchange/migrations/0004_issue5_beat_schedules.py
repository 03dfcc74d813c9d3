"""The notification schedules as django-celery-beat rows, so admins see and change them."""

from django.db import migrations

SCHEDULES = [
    # (name, task, every, period, description)
    (
        "Dispatch due notifications",
        "exchange.dispatch_notifications",
        1,
        "minutes",
        "Hands due pending notices from the outbox to the workers, one send per notice.",
    ),
    (
        "Plan reminders",
        "exchange.plan_reminders",
        1,
        "hours",
        "Records the reminders that have come due (orientation, attachments, activities).",
    ),
]


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period, description in SCHEDULES:
        interval, _created = IntervalSchedule.objects.get_or_create(every=every, period=period)
        # get_or_create by name: a schedule an admin already changed is left as it is.
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={
                "task": task,
                "interval": interval,
                "enabled": True,
                "description": description,
            },
        )


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_rest in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0003_issue5_notification_lease"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
