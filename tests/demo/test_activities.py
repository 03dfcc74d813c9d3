import datetime

import pytest
from django.core.management import call_command

from demo.seed import DEMO_COHORT_NAME
from exchange.models import Cohort
from placements.models import Activity

pytestmark = pytest.mark.django_db


def seed(start):
    call_command("seed_demo", "--cohort-start", start, "--quiet-logins")


def test_seed_demo_builds_the_orientation_programme_and_departmental_activities():
    seed("2026-12-07")
    cohort = Cohort.objects.get(name_en=DEMO_COHORT_NAME)
    sessions = Activity.objects.filter(cohort=cohort, kind="orientation_session")
    assert sessions.count() >= 10
    local_days = {s.starts_at.astimezone(datetime.UTC).date() for s in sessions}
    assert local_days == {datetime.date(2026, 12, day) for day in range(7, 12)}
    opening = sessions.get(title__contains="Secretary for the Civil Service")
    assert opening.starts_at == datetime.datetime(2026, 12, 7, 2, tzinfo=datetime.UTC)
    assert opening.audience == "cohort"
    departmental = Activity.objects.filter(cohort=cohort, audience="department")
    assert {a.kind for a in departmental} >= {
        "departmental_briefing",
        "site_visit",
        "industry_forum",
        "specialised_project",
    }
    assert all(a.department and a.location for a in departmental)
    assert all(a.starts_at.date() > cohort.orientation_end for a in departmental)


def test_seeding_twice_changes_nothing_and_a_new_start_moves_the_activities():
    seed("2026-12-07")
    before = list(Activity.objects.values_list("pk", "starts_at", "sequence"))
    history = Activity.history.count()
    seed("2026-12-07")
    assert list(Activity.objects.values_list("pk", "starts_at", "sequence")) == before
    assert Activity.history.count() == history
    seed("2027-03-01")
    moved = {
        pk: (starts_at, sequence)
        for pk, starts_at, sequence in Activity.objects.values_list("pk", "starts_at", "sequence")
    }
    assert set(moved) == {pk for pk, _, _ in before}
    for pk, starts_at, sequence in before:
        assert moved[pk] == (starts_at + datetime.timedelta(days=84), sequence + 1)
