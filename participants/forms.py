"""Forms of participant management. They parse input; quotas and other rules live in
`participants.services`, whose errors the views put back on these forms.
"""

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import get_language_info, gettext
from django.utils.translation import gettext_lazy as _

from exchange.forms import TranslatedFieldsMixin
from exchange.models import City, Cohort, HostDepartment

from .models import DETAIL_FIELDS, Participant


class LanguageForm(forms.ModelForm):
    """The language an official reads the programme's mail and calendar feed in."""

    class Meta:
        model = Participant
        fields = ["preferred_language"]
        widgets = {"preferred_language": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language in its own name, so an official can find theirs whatever the page shows.
        self.fields["preferred_language"].choices = [
            (code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES
        ]


PARTICIPANT_FIELDS = [*DETAIL_FIELDS, "focus_areas"]


class ParticipantForm(TranslatedFieldsMixin, forms.ModelForm):
    """An official's details and interests (their cohort and status change elsewhere); the home
    organisation and post in each language, in tabs."""

    translated_fields = ("home_organisation", "post_title")

    class Meta:
        model = Participant
        fields = PARTICIPANT_FIELDS
        widgets = {"focus_areas": forms.CheckboxSelectMultiple}


class ParticipantCreateForm(ParticipantForm):
    confirmed = forms.BooleanField(
        label=_("Confirmed now (sends the orientation notice)"), required=False
    )

    class Meta(ParticipantForm.Meta):
        fields = ["cohort", *PARTICIPANT_FIELDS]

    def __init__(self, *args, cohorts: QuerySet[Cohort], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts


class ParticipantSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    cohort = forms.ModelChoiceField(
        label=_("Cohort"), queryset=Cohort.objects.none(), required=False
    )
    city = forms.ModelChoiceField(
        label=_("Home city"), queryset=City.objects.filter(is_home=False), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *Participant.Status.choices],
        required=False,
    )

    def __init__(self, *args, cohorts: QuerySet[Cohort], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts
        self.fields["cohort"].empty_label = _("Any cohort")
        self.fields["city"].empty_label = _("Any city")


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=80, required=False)


class HostPreferencesForm(forms.Form):
    """Ranked wishes: choice 1 is the first. Empty choices are skipped; a department may appear
    once."""

    def __init__(self, *args, departments: QuerySet[HostDepartment], count: int, **kwargs):
        super().__init__(*args, **kwargs)
        for rank in range(1, count + 1):
            self.fields[f"choice_{rank}"] = forms.ModelChoiceField(
                label=gettext("Choice {rank}").format(rank=rank),
                queryset=departments,
                required=False,
            )

    def clean(self):
        cleaned = super().clean()
        seen = set()
        for name in self.fields:
            department = cleaned.get(name)
            if department is None:
                continue
            if department.pk in seen:
                self.add_error(name, _("This department is already a higher choice."))
            seen.add(department.pk)
        return cleaned

    def departments(self) -> list[HostDepartment]:
        return [self.cleaned_data[n] for n in self.fields if self.cleaned_data.get(n) is not None]
