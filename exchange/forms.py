"""Form helpers every app uses."""

from django import forms
from django.core.exceptions import ValidationError

from .validators import normalise_reminder_days


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's `ValidationError` on the form: on a field the form has, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class ReminderDaysMixin:
    """For a ModelForm of a cohort with `orientation_reminder_days`: people type "7, 1", and the
    offsets are stored as "7,1" once `exchange.validators` accepts them."""

    def clean_orientation_reminder_days(self):
        return normalise_reminder_days(self.cleaned_data["orientation_reminder_days"])


def name_each_input(form: forms.BaseForm) -> None:
    """Give every visible input of `form` its field's label as its accessible name. For forms laid
    out as table rows, where a header cell names a column for the eye but labels no input."""
    for field in form.fields.values():
        if field.label and not field.widget.is_hidden:
            field.widget.attrs.setdefault("aria-label", field.label)


class NamedInputsFormSetMixin:
    """A formset shown as a table (one form a row): each input, the delete box too, is named by
    its field's label (`name_each_input`)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        name_each_input(form)
