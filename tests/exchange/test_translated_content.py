"""Content in three languages (issue 12, point 1): fallbacks, the language-tab forms, the
services that take a text or a text per language, and the history that keeps them all."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from exchange.forms import TranslatedTextField
from exchange.models import CityQuota, Cohort
from participants.models import Participant
from placements.forms import ActivityForm
from placements.models import Activity
from placements.services import activity_create, activity_update
from tests.factories import ActivityFactory, CityFactory, CohortFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def in_language(language, instance, field):
    with translation.override(language):
        return getattr(instance, field)


def test_chinese_falls_back_to_the_other_script_then_english():
    activity = ActivityFactory(title_en="Briefing", title_zh_hant="", title_zh_hans="简介")
    assert in_language("zh-hant", activity, "title") == "简介"
    assert in_language("zh-hans", activity, "title") == "简介"
    assert in_language("en", activity, "title") == "Briefing"
    activity.title_zh_hans = ""
    assert in_language("zh-hant", activity, "title") == "Briefing"


def test_a_new_cohort_meets_at_the_college_in_each_language():
    cohort = CohortFactory()
    assert in_language("en", cohort, "orientation_venue") == "Civil Service College"
    assert in_language("zh-hant", cohort, "orientation_venue") == "公務員學院"
    assert in_language("zh-hans", cohort, "orientation_venue") == "公务员学院"
    # An empty venue in one script falls back instead of showing nothing.
    Cohort.objects.filter(pk=cohort.pk).update(orientation_venue_zh_hant="")
    cohort.refresh_from_db()
    assert in_language("zh-hant", cohort, "orientation_venue") == "公务员学院"


def test_services_take_english_text_or_a_text_per_language(coordinator):
    cohort = CohortFactory()
    starts = datetime.datetime.combine(
        cohort.orientation_start, datetime.time(10), tzinfo=datetime.UTC
    )
    with translation.override("zh-hans"):
        # A plain text is the English one, whatever language is active.
        activity = activity_create(
            cohort=cohort,
            by=coordinator,
            kind=Activity.Kind.OTHER,
            title="Welcome lunch",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
        )
    assert (activity.title_en, activity.title_zh_hans or "") == ("Welcome lunch", "")
    values = {
        "kind": Activity.Kind.OTHER,
        "title": {"en": "Welcome lunch", "zh-hant": "歡迎午宴", "zh-hans": "欢迎午宴"},
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=1),
        "location": {"en": "Lobby", "zh-hant": "大堂", "zh-hans": ""},
        "description": "",
        "department": None,
        "audience": Activity.Audience.COHORT,
    }
    changed = activity_update(activity=activity, by=coordinator, **values)
    assert (changed.title_zh_hant, changed.title_zh_hans) == ("歡迎午宴", "欢迎午宴")
    assert changed.sequence == activity.sequence + 1
    # The history keeps each language of each version.
    latest = changed.history.first()
    assert (latest.title_zh_hant, latest.location_zh_hant) == ("歡迎午宴", "大堂")
    # The same texts again are no change.
    again = activity_update(activity=changed, by=coordinator, **values)
    assert again.sequence == changed.sequence


def test_the_activity_form_has_one_field_with_a_tab_per_language(coordinator):
    cohort = CohortFactory()
    form = ActivityForm(user=coordinator, cohort=cohort)
    assert isinstance(form.fields["title"], TranslatedTextField)
    assert "title_en" not in form.fields
    html = str(form["title"])
    assert html.count('role="tab"') == 3
    assert 'name="title_en"' in html and 'name="title_zh_hant"' in html
    assert 'name="title_zh_hans"' in html
    assert 'data-bs-toggle="tab"' in html and "<script" not in html
    assert 'lang="zh-hant"' in html


def test_the_activity_form_needs_the_english_text(coordinator):
    cohort = CohortFactory()
    starts = f"{cohort.orientation_start.isoformat()}T10:00"
    ends = f"{cohort.orientation_start.isoformat()}T11:00"
    data = {"kind": "other", "starts_at": starts, "ends_at": ends, "audience": "cohort"}
    only_chinese = ActivityForm(
        {**data, "title_en": "", "title_zh_hans": "欢迎"}, user=coordinator, cohort=cohort
    )
    assert only_chinese.errors["title"] == ["Enter the English text: it is the fallback."]
    nothing = ActivityForm({**data, "title_en": ""}, user=coordinator, cohort=cohort)
    assert nothing.errors["title"] == ["This field is required."]
    too_long = ActivityForm(
        {**data, "title_en": "Lunch", "title_zh_hant": "長" * 201}, user=coordinator, cohort=cohort
    )
    assert "title" in too_long.errors
    good = ActivityForm(
        {**data, "title_en": "Lunch", "title_zh_hant": "午宴", "title_zh_hans": ""},
        user=coordinator,
        cohort=cohort,
    )
    assert good.is_valid(), good.errors
    assert good.cleaned_data["title"] == {"en": "Lunch", "zh-hant": "午宴", "zh-hans": ""}


def test_editing_shows_each_language_in_its_tab(client, coordinator):
    activity = ActivityFactory(title_en="Lunch", title_zh_hant="午宴", title_zh_hans="午餐")
    client.force_login(coordinator)
    body = client.get(reverse("placements:activity_update", args=[activity.pk])).content.decode()
    assert 'value="午宴"' in body and 'value="午餐"' in body and 'value="Lunch"' in body


def test_a_post_with_the_plain_field_name_sets_the_english_text_only(client, coordinator):
    activity = ActivityFactory(title_en="Lunch", title_zh_hant="午宴", title_zh_hans="午餐")
    form = ActivityForm(
        {
            "kind": activity.kind,
            "title": "Working lunch",
            "starts_at": activity.starts_at.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": activity.ends_at.strftime("%Y-%m-%dT%H:%M"),
            "audience": "cohort",
        },
        instance=activity,
        user=coordinator,
        cohort=activity.cohort,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == {"en": "Working lunch"}
    updated = activity_update(activity=activity, by=coordinator, **form.cleaned_data)
    assert (updated.title_en, updated.title_zh_hant, updated.title_zh_hans) == (
        "Working lunch",
        "午宴",
        "午餐",
    )


def test_coordinator_writes_an_officials_organisation_in_each_language(client, coordinator):
    cohort = CohortFactory()
    city = CityFactory(code="SH", name_en="Shanghai")
    CityQuota.objects.create(cohort=cohort, city=city, seats=2)
    official = ParticipantFactory(cohort=cohort, home_city=city, status="nominated")
    client.force_login(coordinator)
    data = {
        "name_en": "Ma Junjie",
        "name_zh": "马俊杰",
        "home_city": city.pk,
        "home_organisation_en": "Shanghai Municipal Commission of Commerce",
        "home_organisation_zh_hant": "上海市商務委員會",
        "home_organisation_zh_hans": "上海市商务委员会",
        "post_title_en": "Division Director",
        "post_title_zh_hans": "处长",
        "rank": "division_director",
        "email": "ma@example.org",
        "preferred_language": "zh-hans",
    }
    url = reverse("participants:participant_update", args=[official.pk])
    response = client.post(url, data)
    assert response.status_code == 302
    official.refresh_from_db()
    assert official.home_organisation_zh_hant == "上海市商務委員會"
    assert in_language("zh-hant", official, "post_title") == "处长"
    assert in_language("en", official, "home_organisation") == (
        "Shanghai Municipal Commission of Commerce"
    )


def test_coordinator_names_a_cohort_in_each_language(client, coordinator):
    cohort = CohortFactory(name="Spring")
    client.force_login(coordinator)
    page = client.get(reverse("placements:cohort_update", args=[cohort.pk])).content.decode()
    assert 'name="cohort-name_zh_hant"' in page
    assert 'name="cohort-orientation_venue_zh_hans"' in page


def test_chinese_pages_name_the_official_by_their_chinese_name(client):
    from exchange.people import display_name
    from tests.factories import UserFactory

    user = UserFactory(first_name="Chen Minghui", last_name="", role="participant")
    ParticipantFactory(user=user, name_en="Chen Minghui", name_zh="陈明辉")
    assert display_name(user) == "Chen Minghui"
    with translation.override("zh-hant"):
        assert display_name(Participant.objects.get(user=user).user) == "陈明辉"
    client.force_login(user)
    client.cookies["django_language"] = "zh-hans"
    body = client.get(reverse("placements:my_schedule")).content.decode()
    assert "陈明辉" in body
    client.cookies["django_language"] = "en"
    body = client.get(reverse("placements:my_schedule")).content.decode()
    assert 'bi-person-circle"></i> Chen Minghui' in body
