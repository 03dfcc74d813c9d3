"""The cohort dashboard, the placement board, its row actions (htmx and plain posts), the
timeline and the cohort form: what a coordinator sees, and what bad input gets."""

import pytest
from django.urls import reverse

from exchange.models import CityQuota, Cohort, HostCapacity
from placements.models import Attachment
from placements.selectors import cohort_dashboard
from placements.services import attachment_cancel, attachment_create
from tests.factories import (
    CityFactory,
    CohortFactory,
    FocusAreaFactory,
    HostCapacityFactory,
    HostDepartmentFactory,
    ParticipantFactory,
)
from tests.placements.conftest import day

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def assign(official, department, start=None, end=None, by=None):
    return attachment_create(
        participant=official,
        department=department,
        start=start or day(3, 8),
        end=end or day(4, 9),
        by=by,
    )


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def assign_data(official, department, start="2027-03-08", end="2027-04-09", **extra):
    prefix = f"assign-{official.pk}"
    data = {
        f"{prefix}-department": department.pk if hasattr(department, "pk") else department,
        f"{prefix}-start": start,
        f"{prefix}-end": end,
        f"{prefix}-supervisor": "",
        f"{prefix}-notes": "",
    }
    data.update({f"{prefix}-{key}": value for key, value in extra.items()})
    return data


# The dashboard


def test_dashboard_shows_quotas_capacities_unassigned_and_the_week(
    coordinator_client, cohort, make_official, dpo, td
):
    placed, waiting = make_official("Placed Official"), make_official("Waiting Official")
    make_official("Gone Official", status="withdrawn")
    assign(placed, dpo)
    response = coordinator_client.get(reverse("placements:cohort_dashboard", args=[cohort.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    dashboard = response.context["dashboard"]
    assert [(b.label, b.value, b.total) for b in dashboard.cities] == [("Shenzhen", 2, 3)]
    assert [(b.label, b.value, b.total) for b in dashboard.departments] == [
        ("DPO", 1, 2),
        ("TD", 0, 2),
    ]
    assert dashboard.unassigned == [waiting]
    assert dashboard.unassigned_count == 1
    assert "Orientation week" in body and "Waiting Official" in body
    assert 'aria-valuenow="1" aria-valuemin="0" aria-valuemax="2"' in body
    assert "Placed Official" in body  # in the recent changes


def test_dashboard_folds_departments_and_the_weeks_movements_beyond_twenty(
    coordinator_client, cohort, make_official
):
    departments = [HostDepartmentFactory(abbreviation=f"D{n:02d}") for n in range(24)]
    for department in departments:
        HostCapacity.objects.create(cohort=cohort, department=department, seats=2)
    # 22 officials start in the week of 8 March; the last department is the only full one.
    for n in range(22):
        assign(make_official(f"Official {n:02d}"), departments[n], day(3, 8), day(4, 9))
    assign(make_official("Second at D21"), departments[21], day(3, 9), day(4, 9))

    dashboard = cohort_dashboard(cohort=cohort, today=day(3, 10))
    assert len(dashboard.departments) == 20 and dashboard.departments_more == 4
    assert (dashboard.departments[0].label, dashboard.departments[0].value) == ("D21", 2)
    assert len(dashboard.starting) == 20 and dashboard.starting_more == 3

    body = coordinator_client.get(
        reverse("placements:cohort_dashboard", args=[cohort.pk])
    ).content.decode()
    assert "4 more departments are on the timeline" in body


def test_dashboard_lists_attachments_starting_and_ending_this_week(cohort, make_official, dpo):
    starting, ending = make_official("Starting Soon"), make_official("Ending Soon")
    first = assign(starting, dpo, day(3, 8), day(4, 9))
    last = assign(ending, dpo, day(3, 8), day(3, 31))
    week_of_8_march = cohort_dashboard(cohort=cohort, today=day(3, 10))
    assert week_of_8_march.starting == [first, last]
    assert week_of_8_march.ending == []
    assert cohort_dashboard(cohort=cohort, today=day(4, 1)).ending == [last]
    orientation = [d for d, inside in week_of_8_march.orientation_days if inside]
    assert orientation == [day(3, n) for n in range(1, 6)]


# The board


def test_board_shows_every_official_with_preferences_interests_and_attachments(
    coordinator_client, cohort, make_official, dpo, td
):
    official = make_official("Chen Minghui")
    official.focus_areas.add(FocusAreaFactory(code="transport", name_en="Transport management"))
    official.preferences.create(department=td, rank=1)
    official.preferences.create(department=dpo, rank=2)
    assign(official, dpo)
    make_official("Lin Xiaoyan")
    response = coordinator_client.get(reverse("placements:cohort_board", args=[cohort.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Chen Minghui" in body and "Lin Xiaoyan" in body
    assert "Transport management" in body
    assert "<li>TD</li>" in body and "<li>DPO</li>" in body
    assert "8 Mar – 9 Apr 2027" in body
    assert "Unassigned" in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"assignment": "unassigned"}, {"Waiting One", "Beijing One"}),
        ({"assignment": "assigned"}, {"Placed One"}),
        ({"status": "nominated"}, {"Waiting One"}),
        ({"q": "plac"}, {"Placed One"}),
        ({"city": "beijing"}, {"Beijing One"}),
        ({"department": "dpo"}, {"Placed One"}),
    ],
)
def test_board_filters(coordinator_client, cohort, make_official, dpo, query, expected):
    assign(make_official("Placed One"), dpo)
    make_official("Waiting One", status="nominated")
    beijing = CityFactory(code="BJ", name_en="Beijing")
    CityQuota.objects.create(cohort=cohort, city=beijing, seats=4)
    ParticipantFactory(cohort=cohort, home_city=beijing, name_en="Beijing One")
    query = {
        key: {"beijing": beijing.pk, "dpo": dpo.pk}.get(value, value)
        for key, value in query.items()
    }
    response = coordinator_client.get(reverse("placements:cohort_board", args=[cohort.pk]), query)
    assert {o.name_en for o in response.context["officials"]} == expected


def test_board_with_a_tampered_filter_shows_the_error_and_everyone(
    coordinator_client, cohort, official
):
    response = coordinator_client.get(
        reverse("placements:cohort_board", args=[cohort.pk]), {"city": "abc", "status": "nope"}
    )
    assert response.status_code == 200
    assert response.context["filters"].errors.keys() == {"city", "status"}
    assert list(response.context["officials"]) == [official]


def test_board_of_an_unknown_cohort_is_404(coordinator_client):
    assert (
        coordinator_client.get(reverse("placements:cohort_board", args=[999999])).status_code == 404
    )


# Row actions through htmx: the answer is the official's row


def test_assign_form_opens_in_the_row_with_sensible_defaults(coordinator_client, official, dpo, td):
    official.preferences.create(department=td, rank=1)
    url = reverse("placements:attachment_create", args=[official.pk])
    response = coordinator_client.get(url, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tbody id="official-{official.pk}"')
    form = response.context["form"]
    # No department is chosen for the coordinator; the official's wish comes first, marked.
    assert form.initial.get("department") is None
    assert {key: form.initial[key] for key in ("start", "end")} == {
        "start": day(3, 8),
        "end": day(4, 2),
    }
    choices = list(form.fields["department"].choices)
    assert choices[0][0] == ""
    assert str(choices[1][0]) == str(td.pk) and choices[1][1].endswith("1st choice")
    assert 'type="date"' in body


def test_assign_through_htmx_returns_the_row_and_refreshes_the_history(
    coordinator_client, coordinator, official, dpo
):
    url = reverse("placements:attachment_create", args=[official.pk])
    response = coordinator_client.post(url, assign_data(official, dpo, confirmed="on"), **HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "attachmentsChanged"
    attachment = Attachment.objects.get()
    assert (attachment.department, attachment.status) == (dpo, "confirmed")
    assert attachment.history.get().history_user == coordinator
    body = response.content.decode()
    assert "Chen Minghui is assigned to DPO from 8 March 2027 to 9 April 2027." in body
    history = coordinator_client.get(
        reverse("placements:attachment_history", args=[official.cohort_id])
    )
    assert "Assigned" in history.content.decode()


def test_a_refused_assignment_shows_the_reason_in_the_row(
    coordinator_client, make_official, official, dpo
):
    HostCapacity.objects.filter(department=dpo).update(seats=1)
    assign(make_official("Seat Holder"), dpo)
    url = reverse("placements:attachment_create", args=[official.pk])
    response = coordinator_client.post(url, assign_data(official, dpo), **HTMX)
    assert response.status_code == 200
    assert "HX-Trigger" not in response
    assert response.context["form"].errors == {
        "department": ["DPO is full on 8 March 2027: its 1 seat(s) are taken by Seat Holder."]
    }
    assert "DPO is full on 8 March 2027" in response.content.decode()
    assert not Attachment.objects.filter(participant=official).exists()


def test_reassign_and_change_dates_from_the_row(coordinator_client, official, dpo, td):
    attachment = assign(official, dpo)
    url = reverse("placements:attachment_update", args=[attachment.pk])
    assert coordinator_client.get(url, **HTMX).context["form"].instance == attachment
    prefix = f"attachment-{attachment.pk}"
    response = coordinator_client.post(
        url,
        {
            f"{prefix}-department": td.pk,
            f"{prefix}-start": "2027-03-15",
            f"{prefix}-end": "2027-04-16",
            f"{prefix}-supervisor": "Mr Wong",
            f"{prefix}-supervisor_email": "",
            f"{prefix}-notes": "",
        },
        **HTMX,
    )
    assert response.status_code == 200
    attachment.refresh_from_db()
    assert (attachment.department, attachment.start, attachment.supervisor) == (
        td,
        day(3, 15),
        "Mr Wong",
    )
    assert attachment.history.first().history_change_reason == "Reassigned from DPO to TD"


def test_confirm_in_one_click_and_cancel_in_two(coordinator_client, official, dpo):
    attachment = assign(official, dpo)
    confirm = reverse("placements:attachment_confirm", args=[attachment.pk])
    assert coordinator_client.get(confirm).status_code == 405
    response = coordinator_client.post(confirm, **HTMX)
    assert response.status_code == 200
    attachment.refresh_from_db()
    assert attachment.status == "confirmed"

    cancel = reverse("placements:attachment_cancel", args=[attachment.pk])
    assert "Cancel attachment" in coordinator_client.get(cancel, **HTMX).content.decode()
    response = coordinator_client.post(cancel, {f"cancel-{attachment.pk}-reason": "ill"}, **HTMX)
    assert response.status_code == 200
    attachment.refresh_from_db()
    assert attachment.status == "cancelled"
    assert attachment.history.first().history_change_reason == "Cancelled: ill"
    # The cancelled attachment has no form any more, and a second cancel is refused.
    assert coordinator_client.get(cancel, **HTMX).status_code == 404
    again = coordinator_client.post(cancel, {}, **HTMX)
    assert "was cancelled" in again.content.decode()


# The same actions as plain posts (no JavaScript)


def test_plain_post_assign_redirects_to_the_board_with_a_message(coordinator_client, official, dpo):
    url = reverse("placements:attachment_create", args=[official.pk])
    response = coordinator_client.post(url, assign_data(official, dpo), follow=True)
    board = reverse("placements:cohort_board", args=[official.cohort_id])
    assert response.redirect_chain == [(f"{board}#official-{official.pk}", 302)]
    assert "is assigned to DPO" in response.content.decode()


def test_plain_post_goes_back_to_a_safe_next_page_only(coordinator_client, official, dpo):
    url = reverse("placements:attachment_create", args=[official.pk])
    detail = official.get_absolute_url()
    response = coordinator_client.post(url, {**assign_data(official, dpo), "next": detail})
    assert response.url == detail
    attachment = Attachment.objects.get()
    cancel = reverse("placements:attachment_cancel", args=[attachment.pk])
    response = coordinator_client.post(cancel, {"next": "https://evil.example.org/"})
    assert response.url.startswith(reverse("placements:cohort_board", args=[official.cohort_id]))


@pytest.mark.parametrize("next_url", ["NaN", "/cohorts/\n1/", "//evil.example.org/", "x" * 3000])
@pytest.mark.parametrize("action", ["confirm", "cancel", "update"])
def test_a_bad_next_falls_back_to_the_board_after_the_change(
    coordinator_client, official, dpo, td, action, next_url
):
    """`next=NaN` used to raise NoReverseMatch after the change was committed (a 500 for a done
    change). Now any `next` that is not a local path goes back to the official's row."""
    attachment = assign(official, dpo)
    url = reverse(f"placements:attachment_{action}", args=[attachment.pk])
    data = {"next": next_url}
    if action == "update":
        prefix = f"attachment-{attachment.pk}"
        data.update(
            {
                f"{prefix}-department": td.pk,
                f"{prefix}-start": "2027-03-08",
                f"{prefix}-end": "2027-04-09",
            }
        )
    response = coordinator_client.post(url, data)
    board = reverse("placements:cohort_board", args=[official.cohort_id])
    assert response.status_code == 302
    assert response["Location"] == f"{board}#official-{official.pk}"
    attachment.refresh_from_db()
    expected = {"confirm": "confirmed", "cancel": "cancelled", "update": "proposed"}[action]
    assert attachment.status == expected
    if action == "update":
        assert attachment.department == td


def test_plain_post_refusal_renders_the_form_page(coordinator_client, official, dpo):
    url = reverse("placements:attachment_create", args=[official.pk])
    response = coordinator_client.post(url, assign_data(official, dpo, start="2027-03-02"))
    assert response.status_code == 200
    assert response.templates[0].name == "placements/attachment_form.html"
    assert "starts after orientation" in response.content.decode()


def test_plain_post_confirm_refused_shows_the_reason(coordinator_client, official, dpo, cohort):
    attachment = assign(official, dpo)
    Cohort.objects.filter(pk=cohort.pk).update(orientation_end=day(3, 10))
    url = reverse("placements:attachment_confirm", args=[attachment.pk])
    response = coordinator_client.post(url, follow=True)
    assert "starts after orientation, which ends on 10 March 2027" in response.content.decode()
    attachment.refresh_from_db()
    assert attachment.status == "proposed"


# Bad input: a field error or a 404, never a 500, and nothing changes


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"start": "2027-13-45"}, "start", "Enter a valid date."),
        ({"end": "tomorrow"}, "end", "Enter a valid date."),
        ({"start": ""}, "start", "This field is required."),
        ({"end": "2027-03-01", "start": "2027-03-20"}, "end", "cannot be before the first day"),
        ({"department": "abc"}, "department", "Select a valid choice."),
        ({"department": "999999"}, "department", "Select a valid choice."),
    ],
)
def test_bad_assign_input_is_a_field_error(
    coordinator_client, official, dpo, fields, field, message
):
    data = assign_data(official, dpo)
    data.update({f"assign-{official.pk}-{key}": value for key, value in fields.items()})
    response = coordinator_client.post(
        reverse("placements:attachment_create", args=[official.pk]), data, **HTMX
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Attachment.objects.exists()


def test_a_department_of_another_cohort_is_refused(coordinator_client, official, dpo):
    other_cohort = CohortFactory()
    elsewhere = HostDepartmentFactory(abbreviation="EPD")
    HostCapacityFactory(cohort=other_cohort, department=elsewhere, seats=5)
    response = coordinator_client.post(
        reverse("placements:attachment_create", args=[official.pk]),
        assign_data(official, elsewhere),
        **HTMX,
    )
    assert "Select a valid choice" in response.context["form"].errors["department"][0]
    assert not Attachment.objects.exists()


def test_a_participant_field_slipped_into_the_form_is_ignored(
    coordinator_client, official, make_official, dpo
):
    other = make_official("Someone Else")
    data = assign_data(official, dpo, participant=other.pk)
    data["participant"] = other.pk
    coordinator_client.post(reverse("placements:attachment_create", args=[official.pk]), data)
    assert list(Attachment.objects.values_list("participant", flat=True)) == [official.pk]


@pytest.mark.parametrize(
    "name", ["attachment_update", "attachment_confirm", "attachment_cancel", "attachment_create"]
)
def test_unknown_ids_are_404(coordinator_client, name):
    assert coordinator_client.post(reverse(f"placements:{name}", args=[999999])).status_code == 404


def test_timeline_with_an_unknown_department_is_404(coordinator_client, cohort, dpo):
    url = reverse("placements:cohort_timeline", args=[cohort.pk])
    assert coordinator_client.get(url, {"department": "NOPE"}).status_code == 404


# The timeline


def test_timeline_draws_one_lane_per_seat_and_each_attachment_as_a_bar(
    coordinator_client, cohort, make_official, dpo, td
):
    first, second = make_official("First Official"), make_official("Second Official")
    assign(first, dpo, day(3, 8), day(3, 31))
    assign(second, dpo, day(4, 1), day(4, 30))
    response = coordinator_client.get(reverse("placements:cohort_timeline", args=[cohort.pk]))
    assert response.status_code == 200
    rows = {row.department.abbreviation: row for row in response.context["timeline"].departments}
    # Consecutive attachments share a seat: the other seat is visibly free.
    assert [len(lane) for lane in rows["DPO"].lanes] == [2, 0]
    assert [len(lane) for lane in rows["TD"].lanes] == [0, 0]
    busiest = {week.start: week.most for week in rows["DPO"].weeks}
    assert (busiest[day(3, 1)], busiest[day(3, 8)], busiest[day(3, 29)]) == (0, 1, 1)
    body = response.content.decode()
    assert body.count('class="timeline-bar') == 2
    assert "First Official" in body and "Second Official" in body
    only_td = coordinator_client.get(
        reverse("placements:cohort_timeline", args=[cohort.pk]), {"department": "TD"}
    )
    assert [row.department for row in only_td.context["timeline"].departments] == [td]


def test_timeline_shows_the_departments_a_page_at_a_time(
    coordinator_client, cohort, make_official, django_assert_max_num_queries
):
    departments = [HostDepartmentFactory(abbreviation=f"D{n:02d}") for n in range(25)]
    for department in departments:
        HostCapacity.objects.create(cohort=cohort, department=department, seats=1)
    assign(make_official("Late Official"), departments[24], day(3, 8), day(3, 31))
    url = reverse("placements:cohort_timeline", args=[cohort.pk])

    first = coordinator_client.get(url)
    shown = [row.department.abbreviation for row in first.context["timeline"].departments]
    assert shown == [f"D{n:02d}" for n in range(20)]
    assert "Late Official" not in first.content.decode()
    assert "Page 1 of 2" in first.content.decode()
    with django_assert_max_num_queries(7):
        second = coordinator_client.get(url, {"page": 2})
    assert [row.department.abbreviation for row in second.context["timeline"].departments] == [
        f"D{n:02d}" for n in range(20, 25)
    ]
    assert second.content.decode().count('class="timeline-bar') == 1
    # A page past the end shows the last one; a page that is not a number, the first.
    assert coordinator_client.get(url, {"page": 9}).context["timeline"].page.number == 2
    assert coordinator_client.get(url, {"page": "x"}).context["timeline"].page.number == 1


# Cohort management


def cohort_form_data(cohort=None, **overrides):
    data = {
        "cohort-name": "Autumn 2027",
        "cohort-direction": "inbound",
        "cohort-status": "planning",
        "cohort-orientation_start": "2027-09-06",
        "cohort-orientation_end": "2027-09-10",
        "cohort-orientation_venue": "Civil Service College",
        "cohort-min_stay_days": "28",
        "cohort-max_stay_days": "91",
        "cohort-orientation_reminder_days": "7,1",
        "cohort-attachment_start_reminder_days": "3",
        "cohort-attachment_end_reminder_days": "7",
        "cohort-activity_reminder_days": "1",
    }
    data.update(overrides)
    return data


def formset_data(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def test_coordinator_creates_a_cohort_with_quotas_and_capacities(coordinator_client, department):
    city = CityFactory(code="SZ", name_en="Shenzhen")
    page = coordinator_client.get(reverse("placements:cohort_create"))
    assert page.status_code == 200
    assert page.context["quotas"].initial_form_count() == 0
    data = {
        **cohort_form_data(),
        **formset_data("quotas", [{"city": city.pk, "seats": "10"}]),
        **formset_data("capacities", [{"department": department.pk, "seats": "4"}]),
    }
    response = coordinator_client.post(reverse("placements:cohort_create"), data)
    cohort = Cohort.objects.get(name="Autumn 2027")
    assert response.url == cohort.get_absolute_url()
    assert list(cohort.city_quotas.values_list("city__code", "seats")) == [("SZ", 10)]
    assert list(cohort.host_capacities.values_list("department__abbreviation", "seats")) == [
        ("DPO", 4)
    ]


def test_cohort_form_errors_are_field_errors(coordinator_client, department):
    data = {
        **cohort_form_data(**{"cohort-orientation_end": "2027-09-01"}),
        **formset_data("quotas", []),
        **formset_data("capacities", [{"department": "abc", "seats": "-1"}]),
    }
    response = coordinator_client.post(reverse("placements:cohort_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "orientation_end": ["Orientation must end on or after the day it starts."]
    }
    assert response.context["capacities"].errors[0].keys() == {"department", "seats"}
    assert not Cohort.objects.filter(name="Autumn 2027").exists()


def test_a_capacity_cannot_drop_below_the_officials_present(
    coordinator_client, cohort, make_official, dpo, shenzhen
):
    assign(make_official("One Here"), dpo, day(3, 8), day(4, 9))
    assign(make_official("Two Here"), dpo, day(3, 22), day(4, 30))
    quota = cohort.city_quotas.get()
    capacity = cohort.host_capacities.get()
    data = {
        **cohort_form_data(
            **{
                "cohort-name": cohort.name,
                "cohort-orientation_start": "2027-03-01",
                "cohort-orientation_end": "2027-03-05",
            }
        ),
        **formset_data("quotas", [{"id": quota.pk, "city": shenzhen.pk, "seats": "3"}], 1),
        **formset_data("capacities", [{"id": capacity.pk, "department": dpo.pk, "seats": "1"}], 1),
    }
    response = coordinator_client.post(reverse("placements:cohort_update", args=[cohort.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "DPO has 2 officials on 22 March 2027: its seats cannot go below 2. "
        "Move or cancel attachments first."
    ]
    capacity.refresh_from_db()
    assert capacity.seats == 2


def test_moving_orientation_over_an_attachment_is_refused(
    coordinator_client, cohort, official, dpo, shenzhen
):
    assign(official, dpo, day(3, 8), day(4, 9))
    quota, capacity = cohort.city_quotas.get(), cohort.host_capacities.get()
    data = {
        **cohort_form_data(
            **{
                "cohort-name": cohort.name,
                "cohort-orientation_start": "2027-03-08",
                "cohort-orientation_end": "2027-03-12",
            }
        ),
        **formset_data("quotas", [{"id": quota.pk, "city": shenzhen.pk, "seats": "3"}], 1),
        **formset_data("capacities", [{"id": capacity.pk, "department": dpo.pk, "seats": "2"}], 1),
    }
    response = coordinator_client.post(reverse("placements:cohort_update", args=[cohort.pk]), data)
    assert response.context["form"].errors["orientation_end"] == [
        "Chen Minghui's attachment to DPO starts on 8 March 2027, before this orientation "
        "would end. Move or cancel it first."
    ]
    cohort.refresh_from_db()
    assert cohort.orientation_start == day(3, 1)


def test_cancelled_attachments_are_not_on_the_board(coordinator_client, official, dpo):
    attachment = assign(official, dpo)
    attachment_cancel(attachment=attachment, by=None)
    response = coordinator_client.get(reverse("placements:cohort_board", args=[official.cohort_id]))
    assert response.context["officials"][0].live_attachments == []
