"""Participant management pages for coordinators: list and search, create, edit, preferences,
confirm, withdraw, reinstate; and what bad input gets."""

import pytest
from django.urls import reverse

from exchange.models import CityQuota
from participants.models import Participant
from tests.factories import (
    CityFactory,
    CohortFactory,
    FocusAreaFactory,
    HostCapacityFactory,
    HostDepartmentFactory,
    ParticipantFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    return CohortFactory(name="Pages cohort")


@pytest.fixture
def city(cohort):
    city = CityFactory(code="SH", name_en="Shanghai")
    CityQuota.objects.create(cohort=cohort, city=city, seats=2)
    return city


@pytest.fixture
def official(cohort, city):
    return ParticipantFactory(
        cohort=cohort, home_city=city, name_en="Sun Yuhan", status="nominated"
    )


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def details(city, **overrides):
    data = {
        "name_en": "Ma Junjie",
        "name_zh": "马俊杰",
        "home_city": city.pk,
        "home_organisation": "Shanghai Municipal Financial Regulatory Bureau",
        "post_title": "Deputy Director",
        "rank": "deputy_division_director",
        "email": "ma@example.org",
        "phone": "",
        "preferred_language": "zh-hans",
    }
    data.update(overrides)
    return data


def test_list_searches_and_paginates(coordinator_client, cohort, city, official):
    ParticipantFactory(cohort=cohort, home_city=city, name_en="Zhu Qingqing")
    url = reverse("participants:participant_list")
    response = coordinator_client.get(url, {"q": "sun"})
    assert [p.name_en for p in response.context["participants"]] == ["Sun Yuhan"]
    response = coordinator_client.get(url, {"cohort": cohort.pk, "status": "nominated"})
    assert [p.name_en for p in response.context["participants"]] == ["Sun Yuhan"]
    response = coordinator_client.get(url, {"cohort": "nope", "page": "1"})
    assert response.status_code == 200
    assert "cohort" in response.context["search"].errors
    assert response.context["paginator"].per_page == 25


def test_create_an_official(coordinator_client, cohort, city):
    area = FocusAreaFactory(code="trade", name_en="Trade and finance")
    response = coordinator_client.post(
        reverse("participants:participant_create"),
        {**details(city), "cohort": cohort.pk, "focus_areas": [area.pk], "confirmed": "on"},
    )
    official = Participant.objects.get(email="ma@example.org")
    assert response.url == official.get_absolute_url()
    assert official.status == "confirmed"
    assert list(official.focus_areas.all()) == [area]


def test_create_beyond_the_quota_is_a_field_error(coordinator_client, cohort, city, official):
    ParticipantFactory(cohort=cohort, home_city=city)
    response = coordinator_client.post(
        reverse("participants:participant_create"), {**details(city), "cohort": cohort.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["home_city"] == [
        "Shanghai's quota of 2 seat(s) in Pages cohort is full (2 officials not withdrawn)."
    ]
    assert not Participant.objects.filter(email="ma@example.org").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("cohort", "999999"), ("home_city", "abc"), ("focus_areas", "999999"), ("email", "nope")],
)
def test_tampered_create_fields_are_field_errors(coordinator_client, cohort, city, field, value):
    data = {**details(city), "cohort": cohort.pk, field: value}
    response = coordinator_client.post(reverse("participants:participant_create"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Participant.objects.exists()


def test_edit_details_and_interests(coordinator_client, official, city):
    area = FocusAreaFactory(code="gba", name_en="Greater Bay Area development")
    url = reverse("participants:participant_update", args=[official.pk])
    assert coordinator_client.get(url).context["participant"] == official
    response = coordinator_client.post(
        url,
        {**details(city, name_en="Sun Yuhan", email="sun@example.org"), "focus_areas": [area.pk]},
    )
    assert response.status_code == 302
    official.refresh_from_db()
    assert (official.post_title, official.email) == ("Deputy Director", "sun@example.org")
    assert list(official.focus_areas.all()) == [area]


def test_edit_cannot_take_an_email_already_in_the_cohort(
    coordinator_client, cohort, city, official
):
    ParticipantFactory(cohort=cohort, home_city=city, email="taken@example.org")
    response = coordinator_client.post(
        reverse("participants:participant_update", args=[official.pk]),
        details(city, email="Taken@example.org"),
    )
    assert response.status_code == 200
    assert "An official with this email is already in the cohort." in str(
        response.context["form"].errors
    )


def test_ranked_preferences(coordinator_client, cohort, official):
    dpo, td = HostDepartmentFactory(abbreviation="DPO"), HostDepartmentFactory(abbreviation="TD")
    for department in (dpo, td):
        HostCapacityFactory(cohort=cohort, department=department, seats=2)
    no_seats = HostDepartmentFactory(abbreviation="EPD")
    url = reverse("participants:hostpreference_update", args=[official.pk])
    response = coordinator_client.post(url, {"choice_1": td.pk, "choice_2": td.pk})
    assert response.context["form"].errors == {
        "choice_2": ["This department is already a higher choice."]
    }
    response = coordinator_client.post(url, {"choice_1": no_seats.pk})
    assert "choice_1" in response.context["form"].errors
    response = coordinator_client.post(url, {"choice_1": td.pk, "choice_3": dpo.pk})
    assert response.status_code == 302
    assert list(official.preferences.values_list("rank", "department__abbreviation")) == [
        (1, "TD"),
        (2, "DPO"),
    ]
    assert coordinator_client.get(url).context["form"].initial == {
        "choice_1": td.pk,
        "choice_2": dpo.pk,
    }


def test_confirm_withdraw_and_reinstate(coordinator_client, official):
    confirm = reverse("participants:participant_confirm", args=[official.pk])
    assert coordinator_client.get(confirm).status_code == 405
    coordinator_client.post(confirm)
    official.refresh_from_db()
    assert official.status == "confirmed"

    withdraw = reverse("placements:participant_withdraw", args=[official.pk])
    assert "no attachment to cancel" in coordinator_client.get(withdraw).content.decode()
    response = coordinator_client.post(withdraw, {"reason": "recalled"}, follow=True)
    assert "is withdrawn" in response.content.decode()
    official.refresh_from_db()
    assert official.status == "withdrawn"

    coordinator_client.post(reverse("participants:participant_reinstate", args=[official.pk]))
    official.refresh_from_db()
    assert official.status == "nominated"


def test_confirming_a_withdrawn_official_shows_why_not(coordinator_client, official):
    official.status = "withdrawn"
    official.save()
    response = coordinator_client.post(
        reverse("participants:participant_confirm", args=[official.pk]), follow=True
    )
    assert "Only a nominated official can be confirmed; Sun Yuhan is withdrawn." in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("placements:participant_detail", "get"),
        ("participant_update", "get"),
        ("participant_update", "post"),
        ("hostpreference_update", "get"),
        ("hostpreference_update", "post"),
        ("placements:participant_withdraw", "get"),
        ("placements:participant_withdraw", "post"),
        ("participant_confirm", "post"),
        ("participant_reinstate", "post"),
    ],
)
def test_unknown_officials_are_404(coordinator_client, name, method):
    url = reverse(name if ":" in name else f"participants:{name}", args=[999999])
    assert getattr(coordinator_client, method)(url).status_code == 404
