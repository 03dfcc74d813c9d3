"""Every page and form of the project, fuzzed as every role (issue 9): malformed address
parameters on every pattern, malformed posts to every pattern, ids real and wrong. The admin's
own patterns are fuzzed by test_admin.py; `test_every_url_pattern_is_fuzzed_or_exempt` makes
sure nothing is left out."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import harness
from tests.fuzz.endpoints import (
    EXEMPT,
    all_endpoints,
    build_path,
    kwarg_values,
    site_endpoints,
    unfillable,
)
from tests.fuzz.strategies import form_data, query_data
from tests.fuzz.test_admin import admin_pattern_uncovered
from tests.fuzz.world import ROLES

pytestmark = pytest.mark.django_db

ENDPOINTS = site_endpoints()
_SPECS: dict[str, list] = {}  # address -> the inputs of its forms, read once as the admin


def test_every_url_pattern_is_fuzzed_or_exempt(world):
    problems = []
    for endpoint in all_endpoints():
        if endpoint.name in EXEMPT:
            continue
        if endpoint.is_admin:
            reason = admin_pattern_uncovered(endpoint)
            if reason:
                problems.append(f"{endpoint.route}: {reason}")
        elif missing := unfillable(endpoint, world):
            problems.append(f"{endpoint.route}: no values for {', '.join(missing)}")
    names = {endpoint.name for endpoint in all_endpoints()}
    problems += [f"EXEMPT names no pattern: {name}" for name in EXEMPT if name not in names]
    assert not problems, (
        "Patterns neither fuzzed nor exempt (fill them in tests/fuzz/endpoints.py, or add them "
        "to EXEMPT with a reason):\n" + "\n".join(problems)
    )


@pytest.fixture
def page(world, endpoint):
    """The endpoint's values, and the inputs of the forms it renders for each real address."""
    values = {kwarg: kwarg_values(endpoint, kwarg, kind, world) for kwarg, kind in endpoint.kwargs}
    real_paths = [
        build_path(endpoint, dict(zip(values, combo, strict=True)))
        for combo in itertools.islice(
            itertools.product(*(real for real, _wrong in values.values())), 6
        )
    ]
    missing = [path for path in real_paths if path not in _SPECS]
    if missing:
        admin = harness.client_for(world, "admin")
        with harness.rolled_back():
            for path in missing:
                _SPECS[path] = harness.field_specs(harness.send(admin, "GET", path, {}))
    return values, real_paths


def _draw_path(data, endpoint, values, real_paths):
    chosen = {}
    for kwarg, (real, wrong) in values.items():
        pool = st.sampled_from(real) if real else st.nothing()
        chosen[kwarg] = data.draw(st.one_of(pool, st.sampled_from(wrong)), label=kwarg)
    path = build_path(endpoint, chosen)
    specs = _SPECS.get(path) or (_SPECS.get(real_paths[0], []) if real_paths else [])
    return path, specs


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@given(data=st.data())
def test_malformed_requests(endpoint, role, page, fuzz_client, baseline, data):
    """A GET with malformed address parameters, or a POST of a malformed form, to the pattern
    with a real or a wrong id, plain or as htmx."""
    values, real_paths = page
    with harness.rolled_back():
        path, specs = _draw_path(data, endpoint, values, real_paths)
        method = data.draw(st.sampled_from(["GET", "POST"]), label="method")
        if method == "GET":
            payload = data.draw(query_data(specs), label="query")
        else:
            payload = data.draw(form_data(specs), label="post")
        htmx = data.draw(st.booleans(), label="htmx")
        urlencoded = method == "POST" and data.draw(st.booleans(), label="urlencoded")
        response = harness.send(
            fuzz_client, method, path, payload, htmx=htmx, urlencoded=urlencoded
        )
        harness.check(
            response,
            endpoint=endpoint.name,
            method=method,
            before=baseline,
            description=f"{method} {path} {payload!r} as {role}",
        )
