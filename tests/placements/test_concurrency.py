"""Coordinators acting at the same moment: real threads, each with its own PostgreSQL connection,
released together by a barrier. The row locks of `placements.services` must let exactly one win."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from exchange.models import HostCapacity
from placements.models import Attachment
from placements.services import attachment_create
from tests.factories import HostCapacityFactory, HostDepartmentFactory
from tests.placements.conftest import day

# Committed data, so that every thread's connection sees it.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("role_groups")]

THREADS = 8


def race(jobs) -> tuple[list[Attachment], list[ValidationError]]:
    """Run the jobs at once, one thread each; returns the successes and the refusals."""
    barrier = threading.Barrier(len(jobs))
    won: list[Attachment] = []
    refused: list[ValidationError] = []
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def run(job):
        try:
            barrier.wait(timeout=30)
            result = job()
        except ValidationError as error:
            with lock:
                refused.append(error)
        except BaseException as error:  # noqa: BLE001 (reported below, with the test failure)
            with lock:
                unexpected.append(error)
        else:
            with lock:
                won.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not unexpected, unexpected
    return won, refused


def test_eight_coordinators_race_for_the_last_seat(make_official, dpo, coordinator):
    HostCapacity.objects.filter(department=dpo).update(seats=3)
    holders = [make_official(f"Holder {n}") for n in range(2)]
    for holder in holders:
        attachment_create(
            participant=holder, department=dpo, start=day(3, 8), end=day(4, 9), by=coordinator
        )
    racers = [make_official(f"Racer {n}") for n in range(THREADS)]

    won, refused = race(
        [
            lambda racer=racer: attachment_create(
                participant=racer, department=dpo, start=day(3, 22), end=day(4, 30), by=coordinator
            )
            for racer in racers
        ]
    )

    assert len(won) == 1
    assert len(refused) == THREADS - 1
    for error in refused:
        assert error.messages[0].startswith("DPO is full on 22 March 2027: its 3 seat(s) are")
        assert won[0].participant.name_en in error.messages[0]
    live = Attachment.objects.filter(department=dpo, status__in=Attachment.LIVE_STATUSES)
    assert live.count() == 3
    assert set(live.values_list("participant", flat=True)) == {
        holders[0].pk,
        holders[1].pk,
        won[0].participant.pk,
    }


def test_eight_coordinators_race_to_book_one_official(official, cohort, coordinator):
    departments = []
    for n in range(THREADS):
        department = HostDepartmentFactory(abbreviation=f"R{n}")
        HostCapacityFactory(cohort=cohort, department=department, seats=4)
        departments.append(department)

    won, refused = race(
        [
            lambda department=department: attachment_create(
                participant=official,
                department=department,
                start=day(3, 8),
                end=day(4, 9),
                by=coordinator,
            )
            for department in departments
        ]
    )

    assert len(won) == 1
    assert len(refused) == THREADS - 1
    winner = won[0].department.abbreviation
    for error in refused:
        assert error.messages == [
            f"Chen Minghui is already attached to {winner} from 8 March 2027 to 9 April 2027, "
            "which overlaps this period."
        ]
    live = Attachment.objects.filter(participant=official, status__in=Attachment.LIVE_STATUSES)
    assert list(live.values_list("department__abbreviation", flat=True)) == [winner]
