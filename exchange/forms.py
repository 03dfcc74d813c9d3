"""Form helpers every app uses."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from .translated import DEFAULT_LANGUAGE, language_codes, set_translated, translations_of
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


class TranslatedTextWidget(forms.MultiWidget):
    """One input per language, shown as Bootstrap language tabs (Bootstrap's own script switches
    them: no inline script). The inputs are named `<field>_en`, `<field>_zh_hant`, ..."""

    template_name = "exchange/widgets/translated_text.html"

    def __init__(self, *, textarea: bool = False, attrs=None):
        widget = forms.Textarea(attrs={"rows": 3}) if textarea else forms.TextInput()
        codes = language_codes()
        super().__init__({code.replace("-", "_"): widget for code in codes}, attrs)
        self.languages = [(code, get_language_info(code)["name_local"]) for code in codes]
        self.field_label = ""

    def decompress(self, value):
        if isinstance(value, dict):
            return [value.get(code, "") for code, _name in self.languages]
        return [value or ""] + [""] * (len(self.languages) - 1)

    def value_from_datadict(self, data, files, name):
        # A post with the plain field name (a script, an older client) gives the English text.
        if name in data and all(f"{name}{suffix}" not in data for suffix in self.widgets_names):
            # The other languages are left as they are (None: not given).
            return [data.get(name)] + [None] * (len(self.widgets) - 1)
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for subwidget, (code, language_name) in zip(
            context["widget"]["subwidgets"], self.languages, strict=True
        ):
            subwidget["language_code"] = code
            subwidget["language_name"] = language_name
            # The English input is named by the field (the tab says "English"); the others by
            # their language, inside the fieldset whose legend names the field.
            subwidget["label"] = (
                self.field_label if code == DEFAULT_LANGUAGE and self.field_label else language_name
            )
            subwidget["attrs"]["lang"] = code
        return context


class TranslatedTextField(forms.MultiValueField):
    """A text in every language of the site, cleaned to `{language code: text}`. Only the
    English text can be required: the others fall back to it."""

    def __init__(self, *, max_length=None, required=True, textarea=False, **kwargs):
        codes = language_codes()
        fields = [
            forms.CharField(max_length=max_length, required=required and code == DEFAULT_LANGUAGE)
            for code in codes
        ]
        kwargs.setdefault(
            "error_messages", {"incomplete": _("Enter the English text: it is the fallback.")}
        )
        super().__init__(
            fields,
            required=required,
            require_all_fields=False,
            widget=TranslatedTextWidget(textarea=textarea),
            **kwargs,
        )
        self.widget.field_label = self.label or ""

    def clean(self, value):
        given = [v is not None for v in value] if isinstance(value, list | tuple) else []
        cleaned = super().clean(value)
        if isinstance(cleaned, dict) and given:
            # A language the post did not carry keeps its stored text.
            for code, present in zip(language_codes(), given, strict=True):
                if not present:
                    cleaned.pop(code, None)
        return cleaned

    def compress(self, data_list):
        values = list(data_list) or [""] * len(self.fields)
        return dict(zip(language_codes(), values, strict=True))


class TranslatedFieldsMixin:
    """For a ModelForm of a model with modeltranslation fields: each field named in
    `translated_fields` becomes one `TranslatedTextField` (tabs), cleaned to a mapping that the
    services take (`exchange.translated`), and set on the instance for its own validation."""

    translated_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.translated_fields:
            if name not in self.fields:
                continue
            plain = self.fields[name]
            self.fields[name] = TranslatedTextField(
                max_length=getattr(plain, "max_length", None),
                required=plain.required,
                textarea=isinstance(plain.widget, forms.Textarea),
                label=plain.label,
                help_text=plain.help_text,
            )
            if not self.is_bound:
                self.initial[name] = translations_of(self.instance, name)

    def _post_clean(self):
        values = {
            name: self.cleaned_data.pop(name)
            for name in self.translated_fields
            if isinstance(self.cleaned_data.get(name), dict)
        }
        for name, texts in values.items():
            set_translated(self.instance, name, texts)
        super()._post_clean()
        self.cleaned_data.update(values)


SELECTED = mark_safe(" selected")  # noqa: S308 - a constant, no user data


class QuickSelect(forms.Select):
    """A select written in one pass of Python instead of a template per option: the same HTML
    as Django's, in a fraction of the time for the hundreds of options a large programme's
    filter of host departments has. Flat choices only (no option groups, no option attributes).
    """

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(choice), SELECTED if str(choice) in selected else "", label)
                for choice, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)
