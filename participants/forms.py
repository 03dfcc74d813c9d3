from django import forms

from .models import Participant


class LanguageForm(forms.ModelForm):
    """The language an official reads the programme's mail and calendar feed in."""

    class Meta:
        model = Participant
        fields = ["preferred_language"]
        widgets = {"preferred_language": forms.RadioSelect}
