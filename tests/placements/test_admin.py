"""The Django admin places officials through the same services as the board."""

import pytest
from django.urls import reverse

from exchange.models import HostCapacity, Notification
from placements.models import Attachment
from placements.services import attachment_create
from tests.placements.conftest import day

pytestmark = pytest.mark.django_db


def admin_data(official, department, start="2027-03-08", end="2027-04-09", status="proposed"):
    return {
        "participant": official.pk,
        "department": department.pk,
        "start": start,
        "end": end,
        "status": status,
        "supervisor": "",
        "supervisor_email": "",
        "notes": "",
    }


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def test_adding_in_the_admin_goes_through_the_service(admin_client_, admin_user, official, dpo):
    response = admin_client_.post(
        reverse("admin:placements_attachment_add"), admin_data(official, dpo, status="confirmed")
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.status, attachment.assigned_by) == ("confirmed", admin_user)
    record = attachment.history.get()
    assert (record.history_change_reason, record.history_user) == ("Assigned", admin_user)
    # Added as confirmed: published at once, so the official is told.
    assert Notification.objects.filter(kind="placement_published").exists()


def test_the_admin_shows_the_rules_refusals_on_the_form(admin_client_, make_official, dpo):
    HostCapacity.objects.filter(department=dpo).update(seats=1)
    attachment_create(
        participant=make_official("Seat Holder"),
        department=dpo,
        start=day(3, 8),
        end=day(4, 9),
        by=None,
    )
    late = make_official("Late Comer")
    response = admin_client_.post(
        reverse("admin:placements_attachment_add"), admin_data(late, dpo, start="2027-03-03")
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "starts after orientation" in errors["start"][0]
    assert errors["department"] == [
        "DPO is full on 8 March 2027: its 1 seat(s) are taken by Seat Holder."
    ]
    assert Attachment.objects.count() == 1


def test_changing_in_the_admin_reassigns_confirms_and_cancels(admin_client_, official, dpo, td):
    attachment = attachment_create(
        participant=official, department=dpo, start=day(3, 8), end=day(4, 9), by=None
    )
    url = reverse("admin:placements_attachment_change", args=[attachment.pk])
    data = admin_data(official, td, status="confirmed")
    del data["participant"]  # read-only once created
    assert admin_client_.post(url, data).status_code == 302
    attachment.refresh_from_db()
    assert (attachment.department, attachment.status) == (td, "confirmed")
    reasons = list(attachment.history.values_list("history_change_reason", flat=True))
    assert reasons == ["Published", "Reassigned from DPO to TD", "Assigned"]

    back = admin_client_.post(url, {**data, "status": "proposed"})
    assert "cannot go back to proposed" in str(back.context["adminform"].form.errors)

    assert admin_client_.post(url, {**data, "status": "cancelled"}).status_code == 302
    attachment.refresh_from_db()
    assert attachment.status == "cancelled"
    reopen = admin_client_.post(url, {**data, "status": "proposed"})
    assert "cannot be reopened" in str(reopen.context["adminform"].form.errors)


def test_deleting_in_the_admin_cancels_and_keeps_the_history(admin_client_, official, dpo):
    attachment = attachment_create(
        participant=official, department=dpo, start=day(3, 8), end=day(4, 9), by=None
    )
    url = reverse("admin:placements_attachment_delete", args=[attachment.pk])
    response = admin_client_.post(url, {"post": "yes"}, follow=True)
    assert "The attachment is cancelled; its history is kept." in response.content.decode()
    attachment.refresh_from_db()
    assert attachment.status == "cancelled"
    assert attachment.history.count() == 2


def test_the_admin_cancel_action(admin_client_, official, dpo):
    attachment = attachment_create(
        participant=official, department=dpo, start=day(3, 8), end=day(4, 9), by=None
    )
    changelist = reverse("admin:placements_attachment_changelist")
    assert "delete_selected" not in admin_client_.get(changelist).content.decode()
    admin_client_.post(
        changelist, {"action": "cancel_selected", "_selected_action": [attachment.pk]}
    )
    attachment.refresh_from_db()
    assert attachment.status == "cancelled"
