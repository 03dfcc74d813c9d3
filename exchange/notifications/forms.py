from django import forms

from exchange.forms import ReminderDaysMixin
from exchange.models import Cohort
from exchange.validators import MAX_REMINDER_DAYS


class CohortRemindersForm(ReminderDaysMixin, forms.ModelForm):
    """A cohort's reminder offsets; the rules on them are `exchange.validators`, which the model
    fields and `cohort_reminders_update` apply."""

    class Meta:
        model = Cohort
        fields = [
            "orientation_reminder_days",
            "attachment_start_reminder_days",
            "attachment_end_reminder_days",
            "activity_reminder_days",
        ]
        widgets = {
            name: forms.NumberInput(attrs={"min": 1, "max": MAX_REMINDER_DAYS})
            for name in fields[1:]
        }
