"""The admin, fuzzed for every registered model (`admin.site._registry`) as every role: the
changelist with malformed filters, search, ordering and pages; actions with malformed
selections; the add, change, delete and history pages with real and wrong ids and malformed
forms; and the site's own pages (index, app lists, autocomplete, view on site, password change).
"""

import functools

import pytest
from django.contrib import admin
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import harness
from tests.fuzz.endpoints import WRONG_IDS
from tests.fuzz.strategies import form_data, nasty, query_data
from tests.fuzz.world import ROLES

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)

# The pages each ModelAdmin has, by URL name suffix (None: the bare `<object_id>/` redirect).
MODEL_PAGES = {"changelist", "add", "change", "delete", "history", None}
# Pages some ModelAdmins add, fuzzed below too.
EXTRA_MODEL_PAGES = {"simple_history", "password_change"}
SITE_PAGES = {
    "admin:index",
    "admin:login",
    "admin:password_change",
    "admin:password_change_done",
    "admin:autocomplete",
    "admin:jsi18n",
    "admin:view_on_site",
    "admin:app_list",
    "admin:admin/(?P<url>.*)$",
}
# Not sent: Django answers a `_to_field` it does not allow with a 400 and logs it as a security
# ERROR on purpose (DisallowedModelAdminToField); the fuzz would only test that logging.
NOT_SENT = {"_to_field"}


def admin_pattern_uncovered(endpoint) -> str | None:
    """Why an admin URL pattern is not fuzzed by this module, or None if it is."""
    if endpoint.name in SITE_PAGES:
        return None
    for model in admin.site._registry:
        prefix = f"admin/{model._meta.app_label}/{model._meta.model_name}/"
        if not endpoint.route.startswith(prefix):
            continue
        name = endpoint.name.removeprefix("admin:")
        if name == endpoint.route:  # unnamed: the `<object_id>/` redirect
            return None
        base = f"{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(base) and name.removeprefix(base) in MODEL_PAGES | EXTRA_MODEL_PAGES:
            return None
        return f"a page of {model._meta.label}'s admin that tests/fuzz/test_admin.py does not know"
    return "an admin page that tests/fuzz/test_admin.py does not know"


@functools.cache
def _url(model, page, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


_SPECS: dict[str, list] = {}


@pytest.fixture
def admin_pages(world, model):
    """Real ids of the model's rows and the inputs of its admin pages, read once as the admin."""
    ids = [str(pk) for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)[:4]]
    urls = [_url(model, "add")] + [_url(model, "change", pk) for pk in ids[:2]]
    missing = [url for url in urls if url not in _SPECS]
    if missing or ("filters", model) not in _SPECS:
        client = harness.client_for(world, "admin")
        with harness.rolled_back():
            for url in missing:
                _SPECS[url] = harness.field_specs(harness.send(client, "GET", url, {}))
            response = harness.send(client, "GET", _url(model, "changelist"), {})
            _SPECS[("filters", model)] = _filter_parameters(response, model)
    return ids


def _filter_parameters(response, model) -> list[str]:
    """The address parameters the changelist's filters and date hierarchy read."""
    names = ["q", "o", "p", "all", "e", "_popup", "_changelist_filters"]
    changelist = response.context.get("cl") if response.context else None
    if changelist is not None:
        for spec in changelist.filter_specs:
            names.extend(spec.expected_parameters())
        if changelist.date_hierarchy:
            names.extend(
                f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day")
            )
    return [name for name in names if name not in NOT_SENT]


def _admin_query(data, names):
    values = st.one_of(
        st.sampled_from(["1", "0", "2027", "2027-03-01", "True", "yes", "-1", "99999999999"]),
        nasty(),
    )
    chosen = data.draw(st.lists(st.sampled_from(names), max_size=4, unique=True), label="params")
    return {name: data.draw(values, label=name) for name in chosen}


def _request_for(data, model, ids):
    """One admin request for the model: (method, url, data, endpoint name)."""
    model_admin = admin.site._registry[model]
    some_id = data.draw(
        st.one_of(st.sampled_from(ids or ["1"]), st.sampled_from([*WRONG_IDS, "abc", "-1"])),
        label="object id",
    )
    page = data.draw(
        st.sampled_from(
            ["list", "list", "action", "add", "change", "change", "delete", "history", "object"]
        ),
        label="page",
    )
    if page == "list":
        query = _admin_query(data, _SPECS[("filters", model)])
        return "GET", _url(model, "changelist"), query
    if page == "action":
        actions = [name for _func, name, _label in model_admin._get_base_actions()]
        post = {
            "action": data.draw(st.one_of(st.sampled_from(actions), nasty()), label="action"),
            "_selected_action": data.draw(
                st.lists(st.one_of(st.sampled_from(ids or ["1"]), nasty()), max_size=3),
                label="selected",
            ),
            "index": data.draw(st.sampled_from(["0", "1", "x", ""]), label="index"),
        }
        if data.draw(st.booleans(), label="select across"):
            post["select_across"] = data.draw(st.sampled_from(["1", "0", "yes"]))
        if data.draw(st.booleans(), label="confirmed"):
            post["post"] = "yes"
        return "POST", _url(model, "changelist"), post
    if page == "add":
        url = _url(model, "add")
        return "POST", url, data.draw(form_data(_SPECS.get(url, [])), label="post")
    if page == "change":
        url = _url(model, "change", some_id)
        specs = _SPECS.get(url) or _SPECS.get(_url(model, "change", ids[0]) if ids else "", [])
        method = data.draw(st.sampled_from(["POST", "POST", "GET"]), label="method")
        if method == "GET":
            return method, url, data.draw(query_data([]), label="query")
        post = data.draw(form_data(specs), label="post")
        post[data.draw(st.sampled_from(["_save", "_continue", "_addanother", "_saveasnew"]))] = "1"
        return method, url, post
    if page == "delete":
        method = data.draw(st.sampled_from(["GET", "POST"]), label="method")
        return method, _url(model, "delete", some_id), {"post": "yes"} if method == "POST" else {}
    if page == "history":
        return "GET", _url(model, "history", some_id), data.draw(query_data([]), label="query")
    return "GET", f"/admin/{model._meta.app_label}/{model._meta.model_name}/{some_id}/", {}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
@given(data=st.data())
def test_admin_pages_of_every_model(model, role, admin_pages, fuzz_client, baseline, data):
    with harness.rolled_back():
        method, url, payload = _request_for(data, model, admin_pages)
        response = harness.send(fuzz_client, method, url, payload)
        harness.check(
            response,
            endpoint="admin",
            method=method,
            before=baseline,
            description=f"{method} {url} {payload!r} as {role}",
        )


def _autocomplete_sources():
    """Every (app, model, field) the admin offers an autocomplete for, inlines included."""
    sources = []
    for model, model_admin in admin.site._registry.items():
        holders = [(model, model_admin)] + [
            (inline.model, inline) for inline in model_admin.inlines
        ]
        for holder_model, holder in holders:
            for field_name in getattr(holder, "autocomplete_fields", ()):
                sources.append(
                    (holder_model._meta.app_label, holder_model._meta.model_name, field_name)
                )
    return sorted(set(sources))


def _site_request(data, world):
    page = data.draw(
        st.sampled_from(
            ["index", "app", "autocomplete", "autocomplete", "site", "password", "login", "other"]
        ),
        label="page",
    )
    if page == "index":
        return "GET", reverse("admin:index"), data.draw(query_data([]), label="query")
    if page == "app":
        app = data.draw(
            st.sampled_from(sorted({m._meta.app_label for m in admin.site._registry})), label="app"
        )
        return "GET", f"/admin/{app}/", data.draw(query_data([]), label="query")
    if page == "autocomplete":
        app, model_name, field_name = data.draw(st.sampled_from(_autocomplete_sources()))
        query = {"app_label": app, "model_name": model_name, "field_name": field_name}
        for key in data.draw(st.lists(st.sampled_from(sorted(query)), max_size=2, unique=True)):
            query[key] = data.draw(
                st.one_of(st.sampled_from(["auth", "user", "participations", "id"]), nasty())
            )
        query["term"] = data.draw(nasty(), label="term")
        if data.draw(st.booleans()):
            query["page"] = data.draw(st.sampled_from(["1", "2", "0", "x", "99999999999"]))
        return "GET", reverse("admin:autocomplete"), query
    if page == "site":
        content_type = data.draw(
            st.one_of(st.integers(1, 40).map(str), nasty().filter(lambda v: v and "/" not in v))
        )
        object_id = data.draw(
            st.one_of(
                st.sampled_from([str(pk) for pk in world.all_ids()]),
                nasty().filter(lambda v: v and "/" not in v),
            )
        )
        return "GET", f"/admin/r/{content_type}/{object_id}/", {}
    if page == "password":
        post = {
            name: data.draw(nasty(), label=name)
            for name in ("old_password", "new_password1", "new_password2")
        }
        return "POST", reverse("admin:password_change"), post
    if page == "login":
        post = {
            "username": data.draw(st.one_of(st.just("fuzz-admin"), nasty())),
            "password": data.draw(nasty()),
        }
        return "POST", reverse("admin:login"), post
    tail = data.draw(nasty().filter(lambda v: "\x00" not in v), label="path")
    return "GET", f"/admin/{tail}", {}


@pytest.mark.parametrize("role", ROLES)
@given(data=st.data())
def test_admin_site_pages(world, role, fuzz_client, baseline, data):
    with harness.rolled_back():
        method, url, payload = _site_request(data, world)
        response = harness.send(fuzz_client, method, url, payload)
        harness.check(
            response,
            endpoint="admin",
            method=method,
            before=baseline,
            description=f"{method} {url} {payload!r} as {role}",
        )
