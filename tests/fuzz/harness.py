"""Sending one fuzzed request and judging the answer.

The rules every answer must keep:
- no exception escapes and nothing is a 5xx (a streamed body is read to the end, so a failure
  half-way through a download counts too);
- a refused request changes no row: a 4xx, a form shown again with errors, or a redirect with
  an error message leaves every table (but the sessions) exactly as it was;
- a GET changes no row either, except on the pages that record their reading (`GET_WRITES`),
  and the access log of officials' personal data, which a GET that is answered writes by design
  (`GET_ACCESS_LOG_TABLES`; a refused GET writes no access row either).
"""

from contextlib import contextmanager
from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.forms.formsets import BaseFormSet
from django.test import Client

from participants.models import AccessLog

from .strategies import FieldSpec

# Pages whose GET writes by design: downloads and prints are logged, opening a notice reads it.
GET_WRITES = {
    "placements:roster_download": "an export is logged before the file leaves",
    "placements:roster_download_all": "an export is logged before the file leaves",
    "placements:roster_print": "an export is logged before the file leaves",
    "placements:roster_print_all": "an export is logged before the file leaves",
    "placements:participant_data": "a subject-access file is logged before it leaves",
    "notifications:notification_detail": "opening a notice marks it read",
}


# Reading an official's page, schedule or contact details records who read them: the only tables
# an answered GET of any page may write (participants.services.access_log_create).
GET_ACCESS_LOG_TABLES = {
    AccessLog._meta.db_table,
    AccessLog.participants.through._meta.db_table,
}


@contextmanager
def rolled_back():
    """Each example starts from the same world: whatever it changed is rolled back."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# Written by every request on purpose, refused or not: the session, and django-axes' record of
# failed logins (counting them is what locks an account; tests/exchange/test_login_throttling.py).
UNWATCHED_APPS = {"axes"}


def _tables() -> list[str]:
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model is Session or model._meta.app_label in UNWATCHED_APPS:
            continue
        if model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    return sorted(tables)


_FINGERPRINT_SQL = None


def fingerprint() -> dict[str, tuple[int, int]]:
    """Row count and a checksum of every row of every table (sessions and login attempts aside),
    in one query: the
    sum of the rows' 64-bit hashes, which any changed, added or removed row changes."""
    global _FINGERPRINT_SQL
    if _FINGERPRINT_SQL is None:
        quote = connection.ops.quote_name
        # Table names come from the models, not from input.
        selects = [
            f"SELECT '{table}', count(*), coalesce(sum(hashtextextended(t::text, 0)), 0) "  # noqa: S608
            f"FROM {quote(table)} t"
            for table in _tables()
        ]
        _FINGERPRINT_SQL = " UNION ALL ".join(selects)
    with connection.cursor() as cursor:
        cursor.execute(_FINGERPRINT_SQL)
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(table for table in after if before.get(table) != after[table])


def client_for(world, role: str) -> Client:
    client = Client()
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


# Reading the forms a page renders, to know what its posts look like.


def _forms_in(context) -> list:
    found = []
    if context is None:
        return found
    values = []
    for layer in getattr(context, "dicts", [context]):
        if isinstance(layer, dict):
            values.extend(layer.values())
    for value in values:
        form = getattr(value, "form", value)  # the admin's AdminForm wraps a form
        formset = getattr(value, "formset", value)  # and InlineAdminFormSet a formset
        if isinstance(form, forms.BaseForm):
            found.append(form)
        elif isinstance(formset, BaseFormSet):
            found.append(formset)
        elif isinstance(value, list | tuple):
            found.extend(v for v in value if isinstance(v, forms.BaseForm | BaseFormSet))
    unique = []
    for item in found:
        if all(item is not seen for seen in unique):
            unique.append(item)
    return unique


def _contexts(response) -> list:
    context = response.context
    if context is None:
        return []
    return list(context) if isinstance(context, list) else [context]


def _as_text(value):
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v not in (None, "")]
    if isinstance(value, bool):
        return "on" if value else None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _choices(form_field) -> list[str]:
    if not isinstance(form_field, forms.ChoiceField):
        return []
    values = []
    for value, _label in form_field.choices:
        if isinstance(_label, list | tuple):  # an optgroup
            values.extend(str(v) for v, _l in _label)
        elif value not in ("", None):
            values.append(str(getattr(value, "value", value)))
    return values[:20]


def _specs_of_form(form: forms.BaseForm) -> list[FieldSpec]:
    specs = []
    for name, form_field in form.fields.items():
        if isinstance(form_field, forms.FileField):
            # Uploads have their own corpus of malformed files (tests/participants/corpus.py).
            continue
        html_name = form.add_prefix(name)
        widget = form_field.widget
        subnames = []
        if isinstance(widget, forms.MultiWidget):
            subnames = [f"{html_name}{suffix}" for suffix in widget.widgets_names]
        specs.append(
            FieldSpec(
                name=html_name,
                field=form_field,
                initial=_as_text(form[name].value()),
                choices=_choices(form_field),
                subnames=subnames,
            )
        )
    return specs


def field_specs(response) -> list[FieldSpec]:
    """The inputs of every form and formset the page rendered, with their management forms."""
    items = []
    for context in _contexts(response):
        for item in _forms_in(context):
            if all(item is not seen for seen in items):
                items.append(item)
    specs = []
    for item in items:
        if isinstance(item, BaseFormSet):
            specs.extend(_specs_of_form(item.management_form))
            for form in [*item.forms, item.empty_form][:6]:
                specs.extend(_specs_of_form(form))
        else:
            specs.extend(_specs_of_form(item))
    unique = {}
    for spec in specs:
        unique.setdefault(spec.name, spec)
    return list(unique.values())


# Sending and judging.


def send(client: Client, method: str, url: str, data: dict, *, htmx=False, urlencoded=False):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    if method == "GET":
        response = client.get(url, data, **headers)
    elif urlencoded:
        body = urlencode(data, doseq=True)
        response = client.post(
            url, body, content_type="application/x-www-form-urlencoded", **headers
        )
    else:
        response = client.post(url, data, **headers)
    if response.streaming:
        # A download that fails half-way fails here. (The test client closes the response once
        # it is read; closing it again would send `request_finished`, whose handler drops the
        # connection inside the test's transaction.)
        b"".join(response.streaming_content)
    return response


def _has_form_errors(response) -> bool:
    for context in _contexts(response):
        if context.get("error") or context.get("errors"):
            return True
        for item in _forms_in(context):
            if isinstance(item, BaseFormSet):
                if item.is_bound and (item.non_form_errors() or any(item.errors)):
                    return True
            elif item.is_bound and item.errors:
                return True
    return False


def _has_error_message(response) -> bool:
    """Whether this request added an error message (earlier ones may wait in the cookie)."""
    storage = getattr(response.wsgi_request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return any(message.level >= messages.ERROR for message in queued)


def refused(response) -> bool:
    """Whether the answer refuses the request (so nothing may have changed)."""
    if response.status_code >= 400:
        return True
    return _has_error_message(response) or _has_form_errors(response)


def check(response, *, endpoint: str, method: str, before: dict, description: str):
    assert response.status_code < 500, f"{response.status_code} for {description}"
    if refused(response) or (method == "GET" and endpoint not in GET_WRITES):
        changed = changed_tables(before, fingerprint())
        if not refused(response):
            changed = [table for table in changed if table not in GET_ACCESS_LOG_TABLES]
        kind = "refused" if refused(response) else "GET"
        assert not changed, f"{kind} request changed {changed}: {description}"
