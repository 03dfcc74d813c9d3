"""The project's admin site: Django's own, with guards that answer malformed admin requests with a
4xx instead of a 500. Every ModelAdmin registered on it (the project's, and the third-party ones of
auth and Celery beat) is given `GuardedModelAdminMixin`, so a new registration is guarded without
being listed anywhere."""

import functools

from django.contrib import admin
from django.contrib.admin import helpers, widgets
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .forms import NamedInputsFormSetMixin
from .http import UnreadableRequest
from .validators import validate_programme_date

DATE_PART = _("date")
TIME_PART = _("time")
BAD_FILTER_REASON = _(
    "The list cannot be filtered this way: a filter in the address is not valid (an unknown value, "
    "or a date out of range). Open the list without its filters and choose them again."
)
BAD_SELECTION_REASON = _(
    "The selected items are not valid identifiers. Go back to the list and select them again."
)


class GuardedAutocompleteMixin:
    """Shows a form again with only the posted values that can be ids: Django looks the posted
    values of an autocomplete up as they are, and `city=abc` failed the page with ValueError."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        target = remote.model._meta.get_field(
            getattr(remote, "field_name", None) or remote.model._meta.pk.name
        )
        readable = []
        for item in value:
            try:
                target.to_python(item)
            except ValidationError:
                continue
            readable.append(item)
        return super().optgroups(name, readable, attr)


class GuardedAutocompleteSelect(GuardedAutocompleteMixin, widgets.AutocompleteSelect):
    pass


class GuardedAutocompleteSelectMultiple(
    GuardedAutocompleteMixin, widgets.AutocompleteSelectMultiple
):
    pass


class GuardedFormFieldsMixin:
    """Autocomplete fields with the guarded widgets, and every date within the programme's years,
    on a ModelAdmin and on its inlines."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        # Third-party models (Celery beat's start, expiry and clocked times, a user's dates) carry
        # no bounds of their own: a year-1 time was stored, then every read of it (the list, the
        # beat scheduler) failed with "timestamp too small". The project's models have the
        # validator on the field already; a second run of it changes nothing.
        if (
            isinstance(db_field, models.DateField)
            and formfield is not None
            and validate_programme_date not in formfield.validators
        ):
            formfield.validators.append(validate_programme_date)
        if formfield is not None and isinstance(formfield.widget, widgets.AdminSplitDateTime):
            # Django's split date and time inputs have a "Date:"/"Time:" text but no label each.
            date, time = formfield.widget.widgets
            date.attrs["aria-label"] = format_lazy("{} ({})", formfield.label, DATE_PART)
            time.attrs["aria-label"] = format_lazy("{} ({})", formfield.label, TIME_PART)
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = GuardedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = GuardedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class NamedInputsInlineMixin:
    """A tabular inline's inputs sit under column headers that label none of them: each gets its
    field's label as its name (`exchange.forms.NamedInputsFormSetMixin`)."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (NamedInputsFormSetMixin, formset), {})


@functools.cache
def _guarded_inline(inline_class):
    bases = (GuardedFormFieldsMixin, inline_class)
    if issubclass(inline_class, admin.TabularInline):
        bases = (NamedInputsInlineMixin, *bases)
    return type(inline_class.__name__, bases, {})


class GuardedChangeListMixin:
    def get_filters(self, request):
        try:
            return super().get_filters(request)
        # The date hierarchy builds the period of `?start__year=...` from the address: too large
        # a year overflows, and the last year a date can have (9999) has no next year to end at.
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


@functools.cache
def _guarded(changelist_class):
    return type(changelist_class.__name__, (GuardedChangeListMixin, changelist_class), {})


class GuardedModelAdminMixin(GuardedFormFieldsMixin):
    """Refuses, with a translated 400, list filters the admin cannot apply and selections that are
    not ids. Django itself redirects a bad filter to `?e=1`, which says nothing, and lets a year
    like 99999999999 in the date hierarchy, or `_selected_action=abc`, escape as a 500. Its
    inlines get the guarded autocomplete widgets too."""

    def get_inlines(self, request, obj):
        return [_guarded_inline(inline) for inline in super().get_inlines(request, obj)]

    def get_changelist(self, request, **kwargs):
        return _guarded(super().get_changelist(request, **kwargs))

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except IncorrectLookupParameters as error:
            raise UnreadableRequest(BAD_FILTER_REASON) from error

    def response_action(self, request, queryset):
        pk = self.model._meta.pk
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                pk.to_python(value)
        except ValidationError as error:
            raise UnreadableRequest(BAD_SELECTION_REASON) from error
        return super().response_action(request, queryset)


class GuardedAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete, refusing a `field_name` that is not a relation the source model
    declares: a reverse relation (`participations` of a user) passed Django's checks and then
    failed with AttributeError. A 403, like Django's answer to the other malformed parameters."""

    def process_request(self, request):
        term, model_admin, source_field, to_field_name = super().process_request(request)
        if source_field.auto_created or not hasattr(source_field, "get_limit_choices_to"):
            raise PermissionDenied
        return term, model_admin, source_field, to_field_name


class ExchangeAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, GuardedModelAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (GuardedModelAdminMixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        return super().register(model_or_iterable, admin_class, **options)

    def autocomplete_view(self, request):
        return GuardedAutocompleteJsonView.as_view(admin_site=self)(request)
