"""Journey 1: a coordinator assigns an official on the placement board, sees a refused assignment
with its reason, and sees the change in the history."""

import datetime

from playwright.sync_api import expect

from exchange.models import CityQuota
from placements.services import attachment_create
from tests.factories import (
    CityFactory,
    CohortFactory,
    HostCapacityFactory,
    HostDepartmentFactory,
    ParticipantFactory,
)


def test_coordinator_assigns_is_refused_and_sees_the_history(page, login, coordinator, department):
    cohort = CohortFactory(
        name="Winter 2027",
        orientation_start=datetime.date(2027, 3, 1),
        orientation_end=datetime.date(2027, 3, 5),
    )
    shenzhen = CityFactory(code="SZ", name_en="Shenzhen")
    CityQuota.objects.create(cohort=cohort, city=shenzhen, seats=10)
    transport = HostDepartmentFactory(abbreviation="TD", name_en="Transport Department")
    HostCapacityFactory(cohort=cohort, department=department, seats=1)
    HostCapacityFactory(cohort=cohort, department=transport, seats=2)
    chen, lin, holder = (
        ParticipantFactory(cohort=cohort, home_city=shenzhen, name_en=name)
        for name in ("Chen Minghui", "Lin Xiaoyan", "Seat Holder")
    )
    chen.preferences.create(department=transport, rank=1)
    attachment_create(
        participant=holder,
        department=department,
        start=datetime.date(2027, 3, 8),
        end=datetime.date(2027, 4, 9),
        by=None,
    )

    login(coordinator)
    page.goto(f"/cohorts/{cohort.pk}/board/")
    expect(page.get_by_role("heading", name="Winter 2027")).to_be_visible()

    expect(page.locator("#official-count")).to_contain_text("3 officials · 2 unassigned")

    # Assign Chen: the form opens in the row, the focus in its first field, no department chosen
    # for the coordinator (his wish first in the list, marked) and default dates.
    row = page.locator(f"#official-{chen.pk}")
    row.get_by_role("link", name="Assign Chen Minghui").click()
    department_field = row.get_by_label("Host department")
    expect(department_field).to_be_focused()
    expect(department_field).to_have_value("")
    department_field.select_option(label="Transport Department (TD) · 1st choice")
    row.get_by_role("button", name="Save").click()
    expect(row.get_by_role("status")).to_contain_text(
        "Chen Minghui is assigned to TD from 8 March 2027 to 2 April 2027."
    )
    expect(row.locator(".board-attachments")).to_contain_text("TD")
    # The focus is back on the row (its message), and the counts followed the change.
    expect(row.get_by_role("status")).to_be_focused()
    expect(page.locator("#official-count")).to_contain_text("3 officials · 1 unassigned")

    # Lin to DPO: its one seat is taken, and the board says by whom.
    row = page.locator(f"#official-{lin.pk}")
    row.get_by_role("link", name="Assign Lin Xiaoyan").click()
    row.get_by_label("Host department").select_option(label="Digital Policy Office (DPO)")
    row.get_by_role("button", name="Save").click()
    expect(row.get_by_text("DPO is full on 8 March 2027")).to_be_visible()
    expect(row.get_by_text("taken by Seat Holder")).to_be_visible()
    expect(row.locator(".board-attachments")).to_contain_text("Unassigned")

    # The history panel was refreshed by the assignment.
    history = page.locator("#board-history")
    expect(history.locator("li").first).to_contain_text("Chen Minghui")
    expect(history.locator("li").first).to_contain_text("Assigned")
    expect(history.locator("li").first).to_contain_text("TD")


def test_on_a_phone_each_official_is_a_card_with_its_actions_in_view(
    page, login, coordinator, department
):
    cohort = CohortFactory(
        name="Phone cohort",
        orientation_start=datetime.date(2027, 3, 1),
        orientation_end=datetime.date(2027, 3, 5),
    )
    city = CityFactory(code="SZ", name_en="Shenzhen")
    HostCapacityFactory(cohort=cohort, department=department, seats=2)
    placed, waiting = (
        ParticipantFactory(cohort=cohort, home_city=city, name_en=name)
        for name in ("Placed Official", "Waiting Official")
    )
    attachment_create(
        participant=placed,
        department=department,
        start=datetime.date(2027, 3, 8),
        end=datetime.date(2027, 4, 9),
        by=None,
    )

    page.set_viewport_size({"width": 390, "height": 844})
    login(coordinator)
    page.goto(f"/cohorts/{cohort.pk}/board/")

    # No sideways scrolling: the page is as wide as the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for official in (placed, waiting):
        card = page.locator(f"#official-{official.pk}")
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assign = card.get_by_role("link", name=f"Assign {official.name_en}")
        expect(assign).to_be_visible()
        button = assign.bounding_box()
        assert button["x"] + button["width"] <= 390
    # The draft's actions are in view too, and each cell says what it is.
    card = page.locator(f"#official-{placed.pk}")
    publish = card.get_by_role("button", name="Publish Placed Official's draft")
    publish.scroll_into_view_if_needed()
    expect(publish).to_be_in_viewport()
    assert publish.bounding_box()["x"] + publish.bounding_box()["width"] <= 390
    expect(card.locator("td[data-label='Attachments']")).to_contain_text("DPO")
