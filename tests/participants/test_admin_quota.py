"""The Django admin keeps the city quota and leaves status changes to the officials pages."""

import pytest

from participants.models import Participant
from tests.factories import CityFactory, CityQuotaFactory, CohortFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def admin_form(cohort, city, **changes):
    return {
        "cohort": cohort.pk,
        "name_en": "Extra Official",
        "name_zh": "",
        "home_city": city.pk,
        "home_organisation_en": "Commission",
        "post_title_en": "",
        "rank": "other",
        "email": "extra@example.org",
        "phone": "",
        "preferred_language": "en",
        "status": "nominated",
        "preferences-TOTAL_FORMS": "0",
        "preferences-INITIAL_FORMS": "0",
        **changes,
    }


def test_admin_refuses_an_official_beyond_the_city_quota(client, admin_user):
    cohort, city = CohortFactory(), CityFactory(code="WH")
    CityQuotaFactory(cohort=cohort, city=city, seats=1)
    ParticipantFactory(cohort=cohort, home_city=city)
    client.force_login(admin_user)
    response = client.post("/admin/participants/participant/add/", admin_form(cohort, city))
    assert response.status_code == 200
    assert "quota of 1 seat(s)" in response.content.decode()
    assert Participant.objects.filter(cohort=cohort).count() == 1


def test_admin_adds_within_the_quota_and_cannot_edit_the_status(client, admin_user):
    cohort, city = CohortFactory(), CityFactory(code="WH")
    CityQuotaFactory(cohort=cohort, city=city, seats=2)
    client.force_login(admin_user)
    response = client.post("/admin/participants/participant/add/", admin_form(cohort, city))
    assert response.status_code == 302
    added = Participant.objects.get(cohort=cohort)
    page = client.get(f"/admin/participants/participant/{added.pk}/change/").content.decode()
    assert 'name="status"' not in page
