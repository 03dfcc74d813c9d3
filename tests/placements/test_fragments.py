"""The placement board's rows come from the cache: never stale, never with another reader's
CSRF token, byte for byte what the row template renders."""

import re

import pytest
from django.core.cache import cache
from django.template import engines
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from exchange.fragments import CSRF_PLACEHOLDER, fragment_key, template_version
from placements.fragments import BOARD_ROW_TEMPLATE, board_row_state
from placements.models import Attachment
from placements.selectors import board_participants
from placements.services import attachment_cancel, attachment_confirm, attachment_create
from tests.factories import FocusAreaFactory
from tests.placements.conftest import day

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ANY_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")  # a masked CSRF token, wherever it is


def untokened(page: str) -> str:
    return ANY_TOKEN.sub("", page)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def board(client, cohort, **query) -> str:
    response = client.get(reverse("placements:cohort_board", args=[cohort.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def assign(official, department, **extra):
    return attachment_create(
        participant=official,
        department=department,
        start=day(3, 8),
        end=day(4, 9),
        by=None,
        **extra,
    )


def test_a_cached_row_is_what_the_template_renders(client, coordinator, cohort, make_official, dpo):
    official = make_official("Chen Minghui")
    official.preferences.create(department=dpo, rank=1)
    assign(official, dpo)
    make_official("Lin Xiaoyan")
    client.force_login(coordinator)
    first, second = board(client, cohort), board(client, cohort)
    # The second answer is from the cache (no row rendered), and says the same.
    assert untokened(first) == untokened(second)
    request = client.get("/").wsgi_request
    request.user = coordinator
    for row in board_participants(cohort=cohort, user=coordinator):
        assert cache.get(fragment_key(BOARD_ROW_TEMPLATE, board_row_state(row), "en"))
        fresh = render_to_string(
            BOARD_ROW_TEMPLATE, {"official": row, "cohort": cohort, "csrf_token": CSRF_PLACEHOLDER}
        )
        assert untokened(fresh.replace(CSRF_PLACEHOLDER, "")).strip() in untokened(second)


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        (lambda o, d: setattr(o, "name_en", "Chen Renamed") or o.save(), "Chen Renamed"),
        (lambda o, d: setattr(o, "name_zh", "陈改名") or o.save(), "陈改名"),
        (
            lambda o, d: setattr(o, "home_organisation", "Shenzhen Water Bureau") or o.save(),
            "Shenzhen Water Bureau",
        ),
        (lambda o, d: setattr(o, "status", "withdrawn") or o.save(), "board-official text-muted"),
        (
            lambda o, d: setattr(o, "rank", "deputy_division_director") or o.save(),
            "Deputy division director",
        ),
        (
            lambda o, d: o.focus_areas.add(FocusAreaFactory(name_en="Harbour logistics")),
            "Harbour logistics",
        ),
        (lambda o, d: o.preferences.create(department=d, rank=1), f"<li>{'DPO'}</li>"),
        (lambda o, d: assign(o, d, confirmed=True), "8 Mar – 9 Apr 2027"),
        (lambda o, d: assign(o, d), "bi-send"),
    ],
)
def test_every_change_a_row_shows_is_on_the_next_board(
    client, coordinator, cohort, make_official, dpo, change, shown
):
    official = make_official("Chen Minghui", rank="division_director")
    client.force_login(coordinator)
    before = board(client, cohort)
    assert shown not in before
    change(official, dpo)
    assert shown in board(client, cohort)


def test_an_attachment_confirmed_cancelled_or_renamed_shows_at_once(
    client, coordinator, cohort, make_official, dpo
):
    official = make_official("Chen Minghui")
    attachment = assign(official, dpo)
    client.force_login(coordinator)
    assert "Proposed" in board(client, cohort)
    attachment_confirm(attachment=attachment, by=coordinator)
    assert "Confirmed" in board(client, cohort)
    dpo.name_en = "Digital Policy Office (renamed)"
    dpo.save()
    assert 'title="Digital Policy Office (renamed)"' in board(client, cohort)
    attachment_cancel(attachment=Attachment.objects.get(pk=attachment.pk), by=coordinator)
    assert "Unassigned" in board(client, cohort)


def test_a_row_is_kept_per_language(client, coordinator, cohort, official):
    client.force_login(coordinator)
    assert "Unassigned" in board(client, cohort)
    with translation.override("zh-hans"):
        client.cookies["django_language"] = "zh-hans"
        chinese = board(client, cohort)
    assert "Unassigned" not in chinese and "未编配" in chinese


def test_each_reader_gets_a_token_of_their_own_that_works(
    cohort, make_official, dpo, coordinator, django_user_model
):
    official = make_official("Chen Minghui")
    attachment = assign(official, dpo)
    other = django_user_model.objects.create_user("second-coordinator")
    other.groups.set(coordinator.groups.all())
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(coordinator)
    second.force_login(other)
    board(first, cohort)
    page = board(second, cohort)  # the rows rendered for the first reader, from the cache
    assert CSRF_PLACEHOLDER not in page
    tokens = set(TOKEN.findall(page))
    assert tokens and all(len(token) == 64 for token in tokens)
    response = second.post(
        reverse("placements:attachment_confirm", args=[attachment.pk]),
        {"csrfmiddlewaretoken": tokens.pop()},
    )
    assert response.status_code == 302
    assert Attachment.objects.get(pk=attachment.pk).status == Attachment.Status.CONFIRMED


def timeline(client, cohort) -> str:
    response = client.get(reverse("placements:cohort_timeline", args=[cohort.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_timeline_shows_every_change_of_its_bars(
    client, coordinator, cohort, make_official, dpo
):
    official = make_official("Chen Minghui")
    attachment = assign(official, dpo)
    client.force_login(coordinator)
    first = timeline(client, cohort)
    assert untokened(first) == untokened(timeline(client, cohort))  # the second: from the cache
    assert 'bg-secondary" style=' in first and ">Chen Minghui</a>" in first
    attachment_confirm(attachment=attachment, by=coordinator)
    confirmed = timeline(client, cohort)
    assert 'timeline-bar text-truncate bg-success"' in confirmed
    official.name_en = "Chen Renamed"
    official.save()
    assert ">Chen Renamed</a>" in timeline(client, cohort)
    dpo.name_en = "Digital Policy Office (renamed)"
    dpo.save()
    assert "Digital Policy Office (renamed)" in timeline(client, cohort)
    attachment_cancel(attachment=Attachment.objects.get(pk=attachment.pk), by=coordinator)
    assert "Chen Renamed" not in timeline(client, cohort)


def test_recent_changes_on_the_board_and_the_dashboard_follow_each_change(
    client, coordinator, cohort, make_official, dpo
):
    client.force_login(coordinator)
    dashboard = reverse("placements:cohort_dashboard", args=[cohort.pk])
    assert "No changes yet." in board(client, cohort)
    assert "No changes yet." in client.get(dashboard).content.decode()
    official = make_official("Chen Minghui")
    attachment = assign(official, dpo)
    for page in (board(client, cohort), client.get(dashboard).content.decode()):
        assert "No changes yet." not in page and "Chen Minghui</a> ·" in page
    attachment_confirm(attachment=attachment, by=coordinator)
    official.name_en = "Chen Renamed"
    official.save()
    page = board(client, cohort)
    assert page.count("Chen Renamed</a> ·") == 2  # both versions, under the name of today
    assert "Confirmed</span>" in page


def test_under_debug_an_edited_template_is_a_new_key(settings, tmp_path):
    template = tmp_path / "fragment.html"
    template.write_text("first")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    settings.DEBUG = True
    first = template_version("fragment.html")
    template.write_text("second")
    engines["django"].engine.template_loaders[0].reset()
    assert template_version("fragment.html") != first
