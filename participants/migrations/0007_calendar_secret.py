"""Issue 11: the feed address is no longer stored. The old token column becomes the row's secret;
the address is an HMAC of it keyed by SECRET_KEY (`participants.models.calendar_token_for`), and
the feed is looked up by the address's hash. Feed addresses given out before change once (a
calendar subscribed to an old address must subscribe again from the official's page)."""

from django.db import migrations, models

import participants.models


def fill_token_hashes(apps, schema_editor):
    Participant = apps.get_model("participants", "Participant")
    rows = list(Participant.objects.only("pk", "calendar_secret"))
    for row in rows:
        row.calendar_token_hash = participants.models.calendar_token_digest(
            participants.models.calendar_token_for(row.calendar_secret)
        )
    Participant.objects.bulk_update(rows, ["calendar_token_hash"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0006_content_translations"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="participant", name="participant_calendar_token_urlsafe"
        ),
        migrations.RemoveConstraint(
            model_name="participant", name="participant_calendar_token_hash_unique"
        ),
        migrations.RemoveField(model_name="participant", name="calendar_token_hash"),
        migrations.RenameField(
            model_name="participant", old_name="calendar_token", new_name="calendar_secret"
        ),
        migrations.AlterField(
            model_name="participant",
            name="calendar_secret",
            field=models.CharField(
                default=participants.models.new_calendar_secret,
                editable=False,
                max_length=64,
                unique=True,
                verbose_name="calendar feed secret",
            ),
        ),
        migrations.AddField(
            model_name="participant",
            name="calendar_token_hash",
            field=participants.models.CalendarTokenHashField(
                editable=False, max_length=64, null=True, verbose_name="calendar feed token hash"
            ),
        ),
        migrations.RunPython(fill_token_hashes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="participant",
            name="calendar_token_hash",
            field=participants.models.CalendarTokenHashField(
                editable=False, max_length=64, verbose_name="calendar feed token hash"
            ),
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.UniqueConstraint(
                fields=["calendar_token_hash"], name="participant_calendar_token_hash_unique"
            ),
        ),
    ]
