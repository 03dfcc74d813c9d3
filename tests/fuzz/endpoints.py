"""Every URL pattern of the project, read from the URLconf, with the values to fill its converters:
real ids of the world's objects (the right kind, in and out of the user's scope) and wrong ones.
A new view is fuzzed as soon as its pattern exists; a pattern this module cannot fill fails
`test_every_url_pattern_is_fuzzed_or_exempt` until it can (or is exempted, with a reason)."""

import re
from dataclasses import dataclass

from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from api.urls import router as api_router
from exchange.models import Cohort, Notification
from participants.models import NominationImport, Participant
from placements.models import Activity, Attachment, PlanSuggestion

# Patterns not fuzzed, each with the reason.
EXEMPT = {
    "logout": "Django's own view; it ends the session each example runs in (the admin's logout "
    "is Django's too).",
    "admin:logout": "Django's own view; it ends the session each example runs in.",
    # The API's operations are fuzzed by schemathesis from their own OpenAPI schema, as every
    # role (tests/api/test_schemathesis.py); its schema and documentation pages are fuzzed here.
    **{
        f"api:{pattern.name}": "fuzzed by schemathesis (tests/api/test_schemathesis.py)"
        for pattern in api_router.urls
    },
    "api:not_found": "the JSON 404 of every other address under /api/; fuzzed by schemathesis "
    "(its negative cases reach it) and by tests/api/test_views.py",
}

# The model an `<int:pk>` stands for, told by the path segment before it.
SEGMENT_MODELS = {
    "cohorts": Cohort,
    "activities": Activity,
    "attachments": Attachment,
    "officials": Participant,
    "participants": Participant,
    "notifications": Notification,
    "imports": NominationImport,
    "suggestions": PlanSuggestion,
}

# Ids that are nobody's: zero, past the 32- and 64-bit limits of an id column.
WRONG_IDS = ["0", "999999", "2147483648", "9223372036854775808", "1" + "0" * 30]

# Values for `<str:...>` converters by name: (real ones, wrong ones).
STRING_VALUES = {
    "fmt": (["csv", "xlsx"], ["html", "CSV", "ics", "pdf", "x" * 300, "..", "%2e%2e", "csv "]),
}
GENERIC_STRINGS = ["x", "0", "-1", "NaN", "a" * 300, "%", "..", "中文", "😀"]


@dataclass(frozen=True)
class Endpoint:
    name: str  # namespace:name, or the route for an unnamed pattern
    route: str  # as written in the URLconf, prefixes joined
    kwargs: tuple[tuple[str, str], ...]  # (kwarg, converter kind) in route order

    def __str__(self):
        return self.name

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:")


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield entry, prefix + str(entry.pattern), namespace


_CONVERTER = re.compile(r"<(?:(?P<kind>[^>:]+):)?(?P<name>\w+)>")


def all_endpoints() -> list[Endpoint]:
    """One Endpoint per distinct route of the URLconf (a shadowed duplicate, like Django's own
    login behind the project's, is the same address and fuzzed once)."""
    endpoints: dict[str, Endpoint] = {}
    for pattern, route, namespace in _walk(get_resolver().url_patterns):
        name = pattern.name if pattern.name else route
        if namespace:
            name = f"{namespace}:{name}"
        if isinstance(pattern.pattern, RoutePattern):
            kwargs = tuple((m["name"], m["kind"] or "str") for m in _CONVERTER.finditer(route))
        else:
            kwargs = tuple((group, "regex") for group in re.compile(route).groupindex)
        endpoints.setdefault(route, Endpoint(name=name, route=route, kwargs=kwargs))
    return list(endpoints.values())


def site_endpoints() -> list[Endpoint]:
    """The project's own pages (the admin's are fuzzed by tests/fuzz/test_admin.py)."""
    return [e for e in all_endpoints() if not e.is_admin and e.name not in EXEMPT]


def _model_of(endpoint: Endpoint, kwarg: str):
    segments = endpoint.route.split("/")
    for index, segment in enumerate(segments):
        if segment.startswith("<") and segment.endswith(f":{kwarg}>") and index:
            return SEGMENT_MODELS.get(segments[index - 1])
    return None


def kwarg_values(endpoint: Endpoint, kwarg: str, kind: str, world):
    """(real values, wrong values) for one converter; None if this module cannot fill it."""
    if kind == "int":
        model = _model_of(endpoint, kwarg)
        if model is None:
            return None
        own = [str(pk) for pk in world.ids(model)]
        others = [str(pk) for pk in world.all_ids() if str(pk) not in own][:3]
        return own, others + WRONG_IDS
    if kind == "regex" and kwarg == "token":
        return world.tokens, ["A" * 32, "_" * 64, "-" * 40]
    if kind == "str" and kwarg == "uidb64":
        user = world.users["participant"]
        return [urlsafe_base64_encode(force_bytes(user.pk))], GENERIC_STRINGS
    if kind == "str" and kwarg == "token":
        token = default_token_generator.make_token(world.users["participant"])
        return [token, "set-password"], GENERIC_STRINGS
    if kind == "str":
        real, wrong = STRING_VALUES.get(kwarg, ([], GENERIC_STRINGS))
        return real or wrong[:1], wrong
    return None


def unfillable(endpoint: Endpoint, world) -> list[str]:
    """The converters of `endpoint` this module has no values for."""
    missing = [
        f"<{kind}:{kwarg}>"
        for kwarg, kind in endpoint.kwargs
        if kwarg_values(endpoint, kwarg, kind, world) is None
    ]
    if any(kind == "regex" for _kwarg, kind in endpoint.kwargs) and endpoint.name not in BUILDERS:
        missing.append("(regex pattern without a builder in BUILDERS)")
    return missing


# How to write the address of a regex pattern, given its values.
BUILDERS = {
    "placements:calendar_feed": lambda token: f"/calendar/{token}.ics",
}


def build_path(endpoint: Endpoint, values: dict[str, str]) -> str:
    if endpoint.name in BUILDERS:
        return BUILDERS[endpoint.name](**values)
    return "/" + _CONVERTER.sub(lambda m: values[m["name"]], endpoint.route)
