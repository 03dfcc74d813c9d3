from django import forms
from django.conf import settings
from django.utils.translation import get_language_info

from .models import Participant


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
