"""Systems calling the API at the same moment get the same row locks as coordinators on the
board: real threads, each with its own PostgreSQL connection and client, released together."""

import threading

import pytest
from django.db import connection
from django.test import Client

from api.services import api_token_create
from exchange.models import HostCapacity
from placements.models import Attachment
from placements.services import attachment_create
from tests.placements.conftest import (  # noqa: F401 (fixtures)
    cohort,
    day,
    dpo,
    make_official,
    shenzhen,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("role_groups")]

THREADS = 6


def test_systems_racing_for_the_last_seat_through_the_api(make_official, dpo, coordinator):  # noqa: F811
    HostCapacity.objects.filter(department=dpo).update(seats=2)
    holder = make_official("Holder")
    attachment_create(
        participant=holder, department=dpo, start=day(3, 8), end=day(4, 9), by=coordinator
    )
    racers = [make_official(f"Racer {n}") for n in range(THREADS)]
    _token, key = api_token_create(user=coordinator, name="HR")
    barrier = threading.Barrier(THREADS)
    answers = []
    lock = threading.Lock()

    def run(racer):
        try:
            client = Client()
            barrier.wait(timeout=30)
            response = client.post(
                "/api/attachments/",
                {
                    "participant": racer.pk,
                    "department": dpo.pk,
                    "start": "2027-03-22",
                    "end": "2027-04-30",
                },
                content_type="application/json",
                headers={"Authorization": f"Token {key}"},
            )
            with lock:
                answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(racer,)) for racer in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    codes = sorted(code for code, _body in answers)
    assert codes == [201] + [400] * (THREADS - 1)
    winner = next(body for code, body in answers if code == 201)
    winner_name = next(r.name_en for r in racers if r.pk == winner["participant"])
    for code, body in answers:
        if code == 400:
            assert body["errors"]["department"][0].startswith(
                "DPO is full on 22 March 2027: its 2 seat(s) are taken by"
            )
            assert winner_name in body["detail"]
    live = Attachment.objects.filter(department=dpo, status__in=Attachment.LIVE_STATUSES)
    assert live.count() == 2
