"""The board, the dashboard, the timeline and the officials list read a fixed number of queries
whatever the cohort's size: the same bound holds at 30 and at 300 officials."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from exchange.models import HostCapacity
from participants.models import HostPreference, Participant
from placements.models import Attachment
from tests.factories import FocusAreaFactory, HostDepartmentFactory
from tests.placements.conftest import day

pytestmark = pytest.mark.django_db

PAGES = {
    "placements:cohort_board": 14,  # +1: the unassigned count
    # +1: whom publishing the draft tells; +1: the week's movements; +1: the short stays
    "placements:cohort_dashboard": 13,
    "placements:cohort_timeline": 7,  # +1: the departments counted for their pages
}


def populate(cohort, city, size: int) -> None:
    """`size` officials, each with two interests, three wishes and one or two attachments."""
    departments = [HostDepartmentFactory(abbreviation=f"Q{n}") for n in range(6)]
    for department in departments:
        HostCapacity.objects.create(cohort=cohort, department=department, seats=size)
    areas = [FocusAreaFactory(code=f"area-q{n}") for n in range(2)]
    officials = Participant.objects.bulk_create(
        Participant(
            cohort=cohort,
            name_en=f"Official {n:03d}",
            name_zh=f"官员{n}",
            home_city=city,
            home_organisation="Commission",
            email=f"q{n}@example.org",
            status="confirmed" if n % 5 else "nominated",
        )
        for n in range(size)
    )
    Participant.focus_areas.through.objects.bulk_create(
        Participant.focus_areas.through(participant_id=o.pk, focusarea_id=a.pk)
        for o in officials
        for a in areas
    )
    HostPreference.objects.bulk_create(
        HostPreference(participant=o, department=departments[(i + r) % 6], rank=r + 1)
        for i, o in enumerate(officials)
        for r in range(3)
    )
    attachments = []
    for i, official in enumerate(officials):
        if i % 10 == 0:
            continue  # some unassigned
        attachments.append(
            Attachment(
                participant=official,
                department=departments[i % 6],
                start=day(3, 8),
                end=day(4, 2),
                status="confirmed",
                published_at=timezone.now(),
            )
        )
        if i % 3 == 0:
            attachments.append(
                Attachment(
                    participant=official,
                    department=departments[(i + 1) % 6],
                    start=day(4, 5),
                    end=day(4, 30),
                )
            )
    Attachment.objects.bulk_create(attachments)


@pytest.mark.parametrize("size", [30, 300])
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_read_a_fixed_number_of_queries(
    client, coordinator, cohort, shenzhen, size, page, django_assert_max_num_queries
):
    populate(cohort, shenzhen, size)
    client.force_login(coordinator)
    url = reverse(page, args=[cohort.pk])
    with django_assert_max_num_queries(PAGES[page]):
        response = client.get(url)
    assert response.status_code == 200
    assert "Official 0" in response.content.decode()


@pytest.mark.parametrize("size", [30, 300])
def test_board_filters_and_officials_list_stay_fixed(
    client, coordinator, cohort, shenzhen, size, django_assert_max_num_queries
):
    populate(cohort, shenzhen, size)
    client.force_login(coordinator)
    board = reverse("placements:cohort_board", args=[cohort.pk])
    with django_assert_max_num_queries(14):  # +1: the unassigned count
        response = client.get(board, {"assignment": "assigned", "q": "official", "page": "last"})
    assert response.status_code == 200
    with django_assert_max_num_queries(8):
        response = client.get(reverse("participants:participant_list"), {"cohort": cohort.pk})
    assert response.status_code == 200
    assert response.context["paginator"].count == size


def test_the_timeline_spans_the_cohort_in_whole_weeks(client, coordinator, cohort, shenzhen):
    populate(cohort, shenzhen, 30)
    client.force_login(coordinator)
    timeline = client.get(reverse("placements:cohort_timeline", args=[cohort.pk])).context[
        "timeline"
    ]
    assert timeline.start == day(3, 1)
    assert timeline.end == cohort.latest_end + datetime.timedelta(
        days=6 - cohort.latest_end.weekday()
    )
    assert len(timeline.weeks) == ((timeline.end - timeline.start).days + 1) // 7
