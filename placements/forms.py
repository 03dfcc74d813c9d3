"""Forms of the placement board and of cohort management. They only parse and check input; the
rules live in `placements.services`, whose errors the views put back on these forms. The bounds on
single values (dates, stays, seats, reminders) are the model fields' validators
(`exchange.validators`), which these ModelForms apply.
"""

import datetime

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from exchange.forms import (
    NamedInputsFormSetMixin,
    QuickSelect,
    ReminderDaysMixin,
    TranslatedFieldsMixin,
)
from exchange.models import City, CityQuota, Cohort, HostCapacity, HostDepartment
from exchange.roles import is_coordinator
from exchange.selectors import departments_for_cohort, departments_of_liaison
from exchange.validators import (
    FIRST_DAY,
    LAST_DAY,
    MAX_REMINDER_DAYS,
    MAX_SEATS,
    MAX_STAY_DAYS,
)
from participants.models import Participant

from .models import Activity, Attachment

# The browser's own date-and-time picker; values are read in the site's zone, Hong Kong time.
DATETIME_WIDGET_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    """The browser's picker, offering only the programme's years."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        bounds = {"min": f"{FIRST_DAY.isoformat()}T00:00", "max": f"{LAST_DAY.isoformat()}T23:59"}
        super().__init__({**bounds, **(attrs or {})}, format=DATETIME_WIDGET_FORMAT)


class ActivityForm(TranslatedFieldsMixin, forms.ModelForm):
    """An activity as a coordinator or a liaison officer plans it. A liaison officer chooses only
    among their own departments, their attachees and the audiences open to them. Title, place and
    description are written in each language, in tabs."""

    translated_fields = ("title", "location", "description")

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
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
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
        # The model's own checks (within the cohort's stay) then show next to the fields.
        self.instance.cohort = cohort
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
                    department__in=departments, status=Attachment.Status.CONFIRMED
                ).values("participant_id")
            )
        self.fields["participants"].queryset = officials
        self.fields["participants"].required = False
        # static/js/app.js hides the named officials unless that audience is chosen.
        self.fields["audience"].widget.attrs.update(
            {"data-shows": "#div_id_participants", "data-shows-value": Activity.Audience.NAMED}
        )

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


class DateInput(forms.DateInput):
    """The browser's date picker, offering only the programme's years."""

    input_type = "date"

    def __init__(self, attrs=None):
        bounds = {"min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()}
        super().__init__({**bounds, **(attrs or {})}, format="%Y-%m-%d")


class AttachmentForm(forms.ModelForm):
    """Change an attachment's department (a reassignment), dates or details."""

    class Meta:
        model = Attachment
        fields = ["department", "start", "end", "supervisor", "supervisor_email", "notes"]
        widgets = {
            "start": DateInput(),
            "end": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, cohort: Cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments_for_cohort(cohort)
        self.fields["department"].empty_label = None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The last day cannot be before the first day."))
        return cleaned


WISH_LABELS = {
    1: _("1st choice"),
    2: _("2nd choice"),
    3: _("3rd choice"),
    4: _("4th choice"),
    5: _("5th choice"),
}


class AttachmentCreateForm(AttachmentForm):
    """Assign an official: department and period, a draft or published at once. No department
    is chosen for the coordinator: the official's wishes come first in the list, marked."""

    confirmed = forms.BooleanField(label=_("Publish now"), required=False)

    class Meta(AttachmentForm.Meta):
        fields = ["department", "start", "end", "supervisor", "notes"]

    def __init__(self, *args, wishes: dict[int, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        wishes = wishes or {}
        field = self.fields["department"]
        field.empty_label = _("Choose a department…")
        field.queryset = field.queryset.order_by("abbreviation")
        choices = list(field.choices)
        empty, options = choices[:1], choices[1:]

        def rank(choice):
            return wishes.get(int(str(choice[0])), 99)

        field.choices = empty + [
            (
                value,
                f"{label} · {WISH_LABELS.get(wishes[int(str(value))], '')}"
                if int(str(value)) in wishes
                else label,
            )
            for value, label in sorted(options, key=rank)
        ]


class AttachmentCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=80, required=False)


def first_monday_after(day: datetime.date) -> datetime.date:
    day += datetime.timedelta(days=1)
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def assignment_initial(*, participant: Participant, departments: list[HostDepartment]) -> dict:
    """Sensible dates for the assign form, read from what `board_participants` prefetched: from
    the Monday after orientation (or after the official's last live attachment) to the Friday on
    which the shortest stay is reached. The department is the coordinator's choice: none is
    preselected (`assignment_wishes` marks the official's wishes in the list)."""
    cohort = participant.cohort
    live = participant.live_attachments
    start = first_monday_after(max([cohort.orientation_end, *(a.end for a in live)]))
    end = max(cohort.earliest_end, start + datetime.timedelta(days=25))
    end += datetime.timedelta(days=(4 - end.weekday()) % 7)
    end = min(end, cohort.latest_end)
    return {"start": start, "end": max(end, start)}


def assignment_wishes(*, participant: Participant) -> dict[int, int]:
    """The official's ranked wishes not yet used, department id → rank (from the prefetch)."""
    used = {a.department_id for a in participant.live_attachments}
    return {
        p.department_id: p.rank
        for p in participant.preferences.all()
        if p.department_id not in used
    }


STATUS_FILTERS = [("", _("Any status")), *Participant.Status.choices]
ASSIGNMENT_FILTERS = [
    ("", _("Assigned or not")),
    ("unassigned", _("Unassigned")),
    ("assigned", _("Assigned")),
]


class BoardFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    city = forms.ModelChoiceField(
        label=_("Home city"), queryset=City.objects.none(), required=False, widget=QuickSelect
    )
    department = forms.ModelChoiceField(
        label=_("Host department"),
        queryset=HostDepartment.objects.none(),
        required=False,
        widget=QuickSelect,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=STATUS_FILTERS, required=False, widget=QuickSelect
    )
    assignment = forms.ChoiceField(
        label=_("Assignment"), choices=ASSIGNMENT_FILTERS, required=False, widget=QuickSelect
    )

    def __init__(self, *args, cohort: Cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = City.objects.filter(quotas__cohort=cohort).order_by("code")
        self.fields["city"].empty_label = _("Any city")
        self.fields["department"].queryset = (
            HostDepartment.objects.filter(capacities__cohort=cohort)
            .only("pk", "abbreviation")
            .order_by("abbreviation")
        )
        self.fields["department"].empty_label = _("Any department")
        self.fields["department"].label_from_instance = lambda d: d.abbreviation
        # Bootstrap's classes set here, not by crispy's templates: the board draws these five
        # fields on every request (`templates/fragments/filter_field.html`).
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if select else "form-control"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"


def _number(limit: int, low: int = 1) -> forms.NumberInput:
    return forms.NumberInput(attrs={"min": low, "max": limit})


class CohortForm(TranslatedFieldsMixin, ReminderDaysMixin, forms.ModelForm):
    translated_fields = ("name", "orientation_venue")

    class Meta:
        model = Cohort
        fields = [
            "name",
            "direction",
            "status",
            "orientation_start",
            "orientation_end",
            "orientation_venue",
            "min_stay_days",
            "max_stay_days",
            "orientation_reminder_days",
            "attachment_start_reminder_days",
            "attachment_end_reminder_days",
            "activity_reminder_days",
        ]
        widgets = {
            "orientation_start": DateInput(),
            "orientation_end": DateInput(),
            "min_stay_days": _number(MAX_STAY_DAYS),
            "max_stay_days": _number(MAX_STAY_DAYS),
            "attachment_start_reminder_days": _number(MAX_REMINDER_DAYS),
            "attachment_end_reminder_days": _number(MAX_REMINDER_DAYS),
            "activity_reminder_days": _number(MAX_REMINDER_DAYS),
        }


# The most rows a quota or capacity formset takes: one per city or department, and these bounds
# are far above the programme's. The formset refuses more (and builds no more forms than this,
# whatever the posted TOTAL_FORMS says); a reference table that grows past them raises them.
QUOTA_ROWS = 50
CAPACITY_ROWS = 100


class SeatsFormSet(NamedInputsFormSetMixin, BaseInlineFormSet):
    """The rows of a seats table, each input named for screen readers."""


def _seats_formset(model, key: str, *, limit: int, extra: int):
    return inlineformset_factory(
        Cohort,
        model,
        formset=SeatsFormSet,
        fields=[key, "seats"],
        widgets={"seats": _number(MAX_SEATS, low=0)},
        extra=extra,
        can_delete=True,
        max_num=limit,
        absolute_max=limit,
        validate_max=True,
    )


def cohort_quota_formset(cohort: Cohort, data=None):
    """The quota rows of a cohort, plus an empty row for every city without one."""
    have = set(cohort.city_quotas.values_list("city_id", flat=True)) if cohort.pk else set()
    missing = [c for c in City.objects.filter(is_home=False) if c.pk not in have]
    formset_class = _seats_formset(
        CityQuota, "city", limit=max(QUOTA_ROWS, len(have) + len(missing)), extra=len(missing)
    )
    return formset_class(
        data, instance=cohort, prefix="quotas", initial=[{"city": c.pk} for c in missing]
    )


def cohort_capacity_formset(cohort: Cohort, data=None):
    """The capacity rows of a cohort, plus an empty row for every active department without one."""
    have = (
        set(cohort.host_capacities.values_list("department_id", flat=True)) if cohort.pk else set()
    )
    missing = [d for d in HostDepartment.objects.filter(is_active=True) if d.pk not in have]
    formset_class = _seats_formset(
        HostCapacity,
        "department",
        limit=max(CAPACITY_ROWS, len(have) + len(missing)),
        extra=len(missing),
    )
    return formset_class(
        data,
        instance=cohort,
        prefix="capacities",
        initial=[{"department": d.pk} for d in missing],
    )


def seats_of(formset) -> dict:
    """The {city or department: seats} a valid quota or capacity formset describes."""
    key = "city" if formset.model is CityQuota else "department"
    return {
        form.cleaned_data[key]: form.cleaned_data["seats"]
        for form in formset.forms
        if form.cleaned_data
        and not form.cleaned_data.get("DELETE")
        and form.cleaned_data.get(key) is not None
        and form.cleaned_data.get("seats") is not None
    }
