"""The calendar feed's token: looked up by its hash, masked for the admin and in every log."""

import hashlib
import io
import logging
import secrets
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exchange.logging import MaskCalendarTokenFilter, mask_calendar_tokens
from participants.models import Participant
from participants.services import participant_calendar_token_reset
from tests.factories import ParticipantFactory
from tests.gunicorn_harness import gunicorn_server

pytestmark = pytest.mark.django_db


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def feed_path(token: str) -> str:
    return reverse("placements:calendar_feed", kwargs={"token": token})


def test_the_database_keeps_the_hash_of_every_token_however_the_row_is_written(participant):
    participant.refresh_from_db()
    assert participant.calendar_token_hash == sha256(participant.calendar_token)
    built = ParticipantFactory.build(cohort=participant.cohort, home_city=participant.home_city)
    (bulk,) = Participant.objects.bulk_create([built])
    bulk.refresh_from_db()
    assert bulk.calendar_token_hash == sha256(bulk.calendar_token)

    old_hash = participant.calendar_token_hash
    token = participant_calendar_token_reset(participant=participant)
    participant.refresh_from_db()
    assert participant.calendar_token_hash == sha256(token) != old_hash


def test_the_database_does_not_hold_the_feed_address(participant, settings):
    """A copy of the database alone opens no feed: no column of the official's row holds the
    token, and the token cannot be rebuilt from the row without the site's SECRET_KEY."""
    token = participant.calendar_token
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM participants_participant WHERE id = %s", [participant.pk])
        row = cursor.fetchone()
    assert all(token not in str(value) for value in row)
    assert participant.calendar_secret != token
    # The same secret under another site key gives another address.
    settings.SECRET_KEY = "another site's key, as an attacker with the database alone would guess"
    assert Participant.objects.get(pk=participant.pk).calendar_token != token


def test_the_feed_is_looked_up_by_the_hash_never_by_the_token(client, participant):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(feed_path(participant.calendar_token))
    assert response.status_code == 200
    lookup = queries.captured_queries[0]["sql"]
    assert sha256(participant.calendar_token) in lookup
    assert all(participant.calendar_token not in q["sql"] for q in queries.captured_queries)


def test_a_token_that_differs_only_in_case_or_length_is_not_the_feed(client, participant):
    token = participant.calendar_token
    assert client.get(feed_path(token.swapcase())).status_code == 404
    assert client.get(feed_path(token[:-1])).status_code == 404
    assert client.get(feed_path(secrets.token_urlsafe(32))).status_code == 404


def test_the_admin_sees_a_masked_token_and_resets_it(client, admin_user, participant):
    client.force_login(admin_user)
    token = participant.calendar_token
    page = client.get(reverse("admin:participants_participant_change", args=[participant.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert token not in body
    assert participant.calendar_token_masked in body
    listing = client.get(reverse("admin:participants_participant_changelist")).content.decode()
    assert token not in listing

    response = client.post(
        reverse("admin:participants_participant_changelist"),
        {"action": "reset_calendar_address", "_selected_action": [participant.pk]},
        follow=True,
    )
    assert "1 official has a new calendar feed address" in response.content.decode()
    participant.refresh_from_db()
    assert participant.calendar_token != token
    assert client.get(feed_path(token)).status_code == 404
    assert client.get(feed_path(participant.calendar_token)).status_code == 200


def test_saving_the_admin_form_leaves_the_token_alone(client, admin_user, participant):
    client.force_login(admin_user)
    url = reverse("admin:participants_participant_change", args=[participant.pk])
    form = client.get(url).context["adminform"].form
    assert "calendar_token" not in form.fields


def test_the_owner_alone_gets_the_full_feed_address(client, coordinator, participant):
    client.force_login(participant.user)
    own = client.get(reverse("placements:my_schedule")).content.decode()
    assert participant.calendar_token in own
    client.force_login(coordinator)
    other = client.get(reverse("placements:participant_schedule", args=[participant.pk]))
    assert participant.calendar_token not in other.content.decode()
    assert "feed_url" not in other.context


def test_the_log_filter_masks_tokens_in_formatted_messages():
    token = secrets.token_urlsafe(32)
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(r)s %(s)s", None, None
    )
    record.args = {"r": f"GET /calendar/{token}.ics HTTP/1.1", "s": "200"}
    assert MaskCalendarTokenFilter().filter(record)
    assert record.getMessage() == "GET /calendar/***.ics HTTP/1.1 200"
    assert mask_calendar_tokens("/calendar/abc.ics?x=1") == "/calendar/***.ics?x=1"


def test_djangos_request_log_does_not_show_the_token(client):
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, MaskCalendarTokenFilter) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    token = secrets.token_urlsafe(32)
    try:
        assert client.get(feed_path(token)).status_code == 404
    finally:
        handler.setStream(previous)
    logged = stream.getvalue()
    assert "Not Found: /calendar/***.ics" in logged
    assert token not in logged


def test_gunicorns_access_log_does_not_show_the_token(participant):
    token = secrets.token_urlsafe(32)
    with gunicorn_server(settings="exchange.settings.test") as (base_url, log_path):
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base_url + feed_path(token), timeout=20)  # noqa: S310
        assert missing.value.code == 404
        # The access line is written just after the answer went out.
        deadline = time.monotonic() + 10
        while '" 404 ' not in (log := log_path.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert '"GET /calendar/***.ics HTTP/1.1" 404' in log
    assert token not in log
