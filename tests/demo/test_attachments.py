"""The demo attachments of `seed_demo`: most officials placed, through the rules, idempotently."""

import datetime

import pytest
from django.core.management import call_command

from demo.seed import DEMO_COHORT_NAME
from exchange.models import Cohort
from participants.models import Participant
from placements.models import Attachment
from placements.services import attachment_check

pytestmark = pytest.mark.django_db


def live():
    return Attachment.objects.filter(status__in=Attachment.LIVE_STATUSES)


def snapshot():
    return sorted(
        Attachment.objects.values_list("pk", "participant", "department", "start", "end", "status")
    )


def test_seed_places_most_officials_within_every_rule():
    call_command("seed_demo", "--cohort-start", "2026-12-07", "--quiet-logins")
    cohort = Cohort.objects.get(name_en=DEMO_COHORT_NAME)
    placed = set(live().values_list("participant", flat=True))
    assert len(placed) == 24
    unplaced = Participant.objects.filter(cohort=cohort).exclude(pk__in=placed)
    assert sorted(unplaced.values_list("home_city__code", flat=True)) == [
        "BJ",
        "CQ",
        "HZ",
        "SH",
        "SZ",
        "WH",
    ]
    assert live().filter(status="proposed").exists() and live().filter(status="confirmed").exists()
    for attachment in live().select_related("participant__cohort", "department"):
        assert attachment.start > cohort.orientation_end
        attachment_check(
            participant=attachment.participant,
            department=attachment.department,
            start=attachment.start,
            end=attachment.end,
            exclude=attachment,
        )
    assert live().first().history.get().history_user.username == "coordinator"


def test_seed_twice_changes_nothing():
    call_command("seed_demo", "--cohort-start", "2026-12-07", "--quiet-logins")
    before = snapshot()
    call_command("seed_demo", "--cohort-start", "2026-12-07", "--quiet-logins")
    assert snapshot() == before


def test_a_moved_cohort_start_moves_the_attachments():
    call_command("seed_demo", "--cohort-start", "2026-12-07", "--quiet-logins")
    call_command("seed_demo", "--cohort-start", "2027-03-01", "--quiet-logins")
    cohort = Cohort.objects.get(name_en=DEMO_COHORT_NAME)
    assert live().count() == Attachment.objects.filter(status="cancelled").count()
    assert min(live().values_list("start", flat=True)) == datetime.date(2027, 3, 8)
    assert max(live().values_list("end", flat=True)) <= cohort.latest_end
    assert len(set(live().values_list("participant", flat=True))) == 24
