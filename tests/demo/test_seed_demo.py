import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from demo.seed import DEMO_COHORT_NAME
from exchange.models import City, CityQuota, Cohort, FocusArea, HostCapacity, HostDepartment
from participants.models import HostPreference, Participant

pytestmark = pytest.mark.django_db


def snapshot():
    models = [
        City,
        FocusArea,
        HostDepartment,
        Cohort,
        CityQuota,
        HostCapacity,
        Participant,
        HostPreference,
        get_user_model(),
    ]
    return {model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in models}


def test_seed_demo_builds_the_press_release_cohort(capsys):
    call_command("seed_demo", "--cohort-start", "2026-12-07")
    out = capsys.readouterr().out
    cohort = Cohort.objects.get(name_en=DEMO_COHORT_NAME)
    assert cohort.orientation_start == datetime.date(2026, 12, 7)
    assert cohort.orientation_end == datetime.date(2026, 12, 11)
    assert cohort.orientation_venue == "Civil Service College"
    assert (cohort.min_stay_days, cohort.max_stay_days) == (28, 91)
    participants = Participant.objects.filter(cohort=cohort)
    assert participants.count() == 30
    by_city = {
        code: participants.filter(home_city__code=code).count()
        for code in ["SZ", "BJ", "SH", "CQ", "WH", "HZ"]
    }
    assert by_city == {"SZ": 10, "BJ": 4, "SH": 4, "CQ": 4, "WH": 4, "HZ": 4}
    quotas = dict(CityQuota.objects.filter(cohort=cohort).values_list("city__code", "seats"))
    assert quotas == by_city
    assert HostDepartment.objects.count() == 10
    assert set(HostDepartment.objects.values_list("abbreviation", flat=True)) == {
        "CMAB",
        "DPO",
        "EPD",
        "HyD",
        "HKMA",
        "ITC",
        "InvestHK",
        "PlanD",
        "TID",
        "TD",
    }
    assert FocusArea.objects.count() == 6
    assert HostDepartment.objects.get(abbreviation="DPO").name_zh_hant == "數字政策辦公室"
    ranks = set(participants.values_list("rank", flat=True))
    assert {"division_director", "deputy_division_director"} <= ranks
    assert all(p.user_id and p.name_zh for p in participants)
    assert all(d.liaisons.exists() for d in HostDepartment.objects.all())
    assert "coordinator" in out and "sz01" in out and "liaison-dpo" in out


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo", "--cohort-start", "2026-12-07", "--quiet-logins")
    before = snapshot()
    call_command("seed_demo", "--cohort-start", "2026-12-07", "--quiet-logins")
    assert snapshot() == before


def test_cohort_start_moves_the_dates():
    call_command("seed_demo", "--cohort-start", "2026-12-07", "--quiet-logins")
    call_command("seed_demo", "--cohort-start", "2027-03-01", "--quiet-logins")
    cohort = Cohort.objects.get(name_en=DEMO_COHORT_NAME)
    assert (cohort.orientation_start, cohort.orientation_end) == (
        datetime.date(2027, 3, 1),
        datetime.date(2027, 3, 5),
    )


def test_bad_cohort_start_is_a_clear_error():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("seed_demo", "--cohort-start", "7 Dec")
    assert not Cohort.objects.exists()


def test_the_demo_is_complete_in_three_languages():
    from placements.models import Activity

    call_command("seed_demo", "--cohort-start", "2026-12-07", "--quiet-logins")
    rows = [
        *((c, ("name", "orientation_venue")) for c in Cohort.objects.all()),
        *((d, ("name", "address")) for d in HostDepartment.objects.all()),
        *((p, ("home_organisation", "post_title")) for p in Participant.objects.all()),
        *((a, ("title", "location")) for a in Activity.objects.all()),
        *((a, ("description",)) for a in Activity.objects.exclude(description_en="")),
    ]
    assert len(rows) > 60
    for row, fields in rows:
        for field in fields:
            english = getattr(row, f"{field}_en")
            hant, hans = getattr(row, f"{field}_zh_hant"), getattr(row, f"{field}_zh_hans")
            assert english and hant and hans, (row, field)
            assert hant != english and hans != english, (row, field)
    assert all(p.name_zh for p in Participant.objects.all())
    opening = Activity.objects.get(title_en__startswith="Opening session")
    assert opening.title_zh_hans == "公务员事务局局长主持开幕环节"
    # The activity history keeps every language.
    assert opening.history.get().title_zh_hant == "公務員事務局局長主持開幕環節"


def test_the_demo_has_a_second_cohort_nominating_with_free_seats():
    from demo.seed import NEXT_COHORT_NAME

    call_command("seed_demo", "--cohort-start", "2026-12-07", "--quiet-logins")
    nominating = Cohort.objects.get(name_en=NEXT_COHORT_NAME)
    assert nominating.status == Cohort.Status.NOMINATING
    assert nominating.orientation_start > Cohort.objects.get(name_en=DEMO_COHORT_NAME).latest_end
    officials = Participant.objects.filter(cohort=nominating)
    assert officials.count() == 4
    assert set(officials.values_list("status", flat=True)) == {Participant.Status.NOMINATED}
    for quota in CityQuota.objects.filter(cohort=nominating):
        assert officials.filter(home_city=quota.city).count() < quota.seats


def test_the_demo_cohorts_status_follows_their_dates():
    from demo.seed import status_on

    call_command("seed_demo", "--cohort-start", "2026-12-07", "--quiet-logins")
    cohort = Cohort.objects.get(name_en=DEMO_COHORT_NAME)
    assert status_on(cohort, datetime.date(2026, 12, 6)) == Cohort.Status.NOMINATING
    assert status_on(cohort, datetime.date(2026, 12, 7)) == Cohort.Status.ORIENTATION
    assert status_on(cohort, datetime.date(2026, 12, 11)) == Cohort.Status.ORIENTATION
    assert status_on(cohort, datetime.date(2026, 12, 12)) == Cohort.Status.ATTACHMENT
    assert status_on(cohort, cohort.latest_end) == Cohort.Status.ATTACHMENT
    assert status_on(cohort, cohort.latest_end + datetime.timedelta(days=1)) == (
        Cohort.Status.COMPLETED
    )
    # A cohort started in the past is seeded in the status of today.
    call_command("seed_demo", "--cohort-start", "2025-01-06", "--quiet-logins")
    assert Cohort.objects.get(name_en=DEMO_COHORT_NAME).status == Cohort.Status.COMPLETED
