"""Forms of placements. They read and type-check input; the rules live in `services`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from exchange.models import Cohort, HostDepartment
from exchange.roles import is_coordinator
from exchange.selectors import departments_of_liaison
from participants.models import Participant

from .models import Activity, Attachment

# The browser's own date-and-time picker; values are read in the site's zone, Hong Kong time.
DATETIME_WIDGET_FORMAT = "%Y-%m-%dT%H:%M"


class ActivityForm(forms.ModelForm):
    """An activity as a coordinator or a liaison officer plans it. A liaison officer chooses only
    among their own departments, their attachees and the audiences open to them."""

    class Meta:
        model = Activity
        fields = [
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "location",
            "department",
            "audience",
            "participants",
            "description",
        ]
        widgets = {
            "starts_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format=DATETIME_WIDGET_FORMAT
            ),
            "ends_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format=DATETIME_WIDGET_FORMAT
            ),
            "participants": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "starts_at": _("Hong Kong time."),
            "ends_at": _("Hong Kong time."),
            "participants": _("Only for the audience “Named officials”."),
        }

    def __init__(self, *args, user, cohort: Cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        officials = cohort.participants.exclude(status=Participant.Status.WITHDRAWN).order_by(
            "name_en"
        )
        if is_coordinator(user):
            self.fields["department"].queryset = HostDepartment.objects.filter(is_active=True)
        else:
            departments = departments_of_liaison(user=user)
            self.fields["department"].queryset = departments
            self.fields["department"].required = True
            self.fields["department"].empty_label = None
            self.fields["audience"].choices = [
                choice
                for choice in Activity.Audience.choices
                if choice[0] != Activity.Audience.COHORT
            ]
            self.fields["audience"].initial = Activity.Audience.DEPARTMENT
            officials = officials.filter(
                pk__in=Attachment.objects.filter(
                    department__in=departments, status__in=Attachment.LIVE_STATUSES
                ).values("participant_id")
            )
        self.fields["participants"].queryset = officials
        self.fields["participants"].required = False

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("An activity must end after it starts."))
        if cleaned.get("audience") == Activity.Audience.DEPARTMENT and not cleaned.get(
            "department"
        ):
            self.add_error(
                "department", _("Choose the host department whose attachees the activity is for.")
            )
        return cleaned
