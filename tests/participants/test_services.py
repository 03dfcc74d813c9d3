"""Writes of officials: city quotas, confirmation notices, withdrawal freeing seats, preferences."""

import pytest
from django.core.exceptions import ValidationError

from exchange.models import CityQuota, Notification
from participants.models import Participant
from participants.services import (
    participant_confirm,
    participant_create,
    participant_reinstate,
    participant_set_preferences,
    participant_update,
)
from placements.services import attachment_create, participant_withdraw
from tests.factories import CityFactory, CohortFactory, HostDepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    return CohortFactory(name="Quota cohort")


@pytest.fixture
def wuhan(cohort):
    city = CityFactory(code="WH", name_en="Wuhan")
    CityQuota.objects.create(cohort=cohort, city=city, seats=2)
    return city


def create(cohort, city, name, **extra):
    return participant_create(
        cohort=cohort,
        by=None,
        name_en=name,
        home_city=city,
        home_organisation="Wuhan Municipal Commerce Bureau",
        email=f"{name.split()[0].lower()}@example.org",
        **extra,
    )


def test_the_city_quota_is_enforced_with_a_clear_message(cohort, wuhan):
    create(cohort, wuhan, "Cao Yunfei")
    create(cohort, wuhan, "Peng Lijuan")
    with pytest.raises(ValidationError) as caught:
        create(cohort, wuhan, "Xu Zhenyu")
    assert caught.value.message_dict == {
        "home_city": [
            "Wuhan's quota of 2 seat(s) in Quota cohort is full (2 officials not withdrawn)."
        ]
    }
    assert Participant.objects.count() == 2


def test_a_withdrawn_official_frees_the_city_seat_and_reinstating_needs_one(cohort, wuhan):
    first = create(cohort, wuhan, "Cao Yunfei")
    create(cohort, wuhan, "Peng Lijuan")
    participant_withdraw(participant=first, by=None)
    third = create(cohort, wuhan, "Xu Zhenyu")
    with pytest.raises(ValidationError, match="quota of 2 seat"):
        participant_reinstate(participant=first, by=None)
    participant_withdraw(participant=third, by=None)
    assert participant_reinstate(participant=first, by=None).status == "nominated"


def test_a_city_without_a_quota_is_refused(cohort):
    elsewhere = CityFactory(code="XA", name_en="Xi'an")
    with pytest.raises(ValidationError) as caught:
        create(cohort, elsewhere, "Nobody Here")
    assert caught.value.messages == [
        "Xi'an has no quota in Quota cohort: add one to the cohort first."
    ]


def test_moving_an_official_to_a_full_city_is_refused(cohort, wuhan):
    create(cohort, wuhan, "Cao Yunfei")
    create(cohort, wuhan, "Peng Lijuan")
    hangzhou = CityFactory(code="HZ", name_en="Hangzhou")
    CityQuota.objects.create(cohort=cohort, city=hangzhou, seats=1)
    mover = create(cohort, hangzhou, "Shen Yifan")
    with pytest.raises(ValidationError, match="Wuhan's quota"):
        participant_update(participant=mover, by=None, home_city=wuhan)
    mover.refresh_from_db()
    assert mover.home_city == hangzhou
    assert participant_update(participant=mover, by=None, post_title="Director").post_title == (
        "Director"
    )


def test_the_same_email_twice_in_a_cohort_is_refused(cohort, wuhan):
    create(cohort, wuhan, "Cao Yunfei")
    with pytest.raises(ValidationError, match="already in the cohort"):
        participant_create(
            cohort=cohort,
            by=None,
            name_en="Cao Again",
            home_city=wuhan,
            home_organisation="Elsewhere",
            email="CAO@example.org",
        )


def test_confirming_sends_the_orientation_notice_once(cohort, wuhan):
    official = create(cohort, wuhan, "Cao Yunfei", user=UserFactory())
    assert official.status == "nominated"
    assert participant_confirm(participant=official, by=None).status == "confirmed"
    participant_confirm(participant=official, by=None)
    notice = Notification.objects.get()
    assert (notice.kind, notice.recipient) == ("orientation_notice", official.user)
    participant_withdraw(participant=official, by=None)
    with pytest.raises(ValidationError, match="Only a nominated official can be confirmed"):
        participant_confirm(participant=official, by=None)


def test_created_confirmed_gets_the_notice(cohort, wuhan):
    official = create(cohort, wuhan, "Cao Yunfei", user=UserFactory(), confirmed=True)
    assert Notification.objects.get().related_object == official


def test_withdrawing_cancels_the_live_attachments(cohort, wuhan):
    official = create(cohort, wuhan, "Cao Yunfei", confirmed=True)
    department = HostDepartmentFactory(abbreviation="EPD")
    cohort.host_capacities.create(department=department, seats=1)
    attachment = attachment_create(
        participant=official,
        department=department,
        start=cohort.orientation_end + cohort.orientation_end.resolution * 3,
        end=cohort.earliest_end,
        by=None,
    )
    participant_withdraw(participant=official, by=None, reason="recalled home")
    attachment.refresh_from_db()
    assert attachment.status == "cancelled"
    assert attachment.history.first().history_change_reason == "Cancelled: recalled home"


def test_preferences_are_replaced_in_rank_order(cohort, wuhan):
    official = create(cohort, wuhan, "Cao Yunfei")
    epd, td, dpo = (HostDepartmentFactory(abbreviation=a) for a in ("EPD", "TD", "DPO"))
    participant_set_preferences(participant=official, departments=[epd, td], by=None)
    participant_set_preferences(participant=official, departments=[dpo, epd], by=None)
    assert list(official.preferences.values_list("rank", "department__abbreviation")) == [
        (1, "DPO"),
        (2, "EPD"),
    ]
    with pytest.raises(ValidationError, match="EPD is chosen more than once"):
        participant_set_preferences(participant=official, departments=[epd, epd], by=None)
