from django import forms

from exchange.models import Cohort

from .services import MAX_REMINDER_DAYS


class CohortRemindersForm(forms.ModelForm):
    """A cohort's reminder offsets; the rules on them are in `cohort_reminders_update`."""

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

    def clean_orientation_reminder_days(self):
        # "7, 1" is what people type; the stored form is "7,1".
        return "".join(self.cleaned_data["orientation_reminder_days"].split())
