"""Layouts that must hold in a real browser: the month view tells its titles apart, the timeline
and the import preview fit a phone (or scroll inside their own box, never the page), and the
timeline's legend draws its marks."""

import datetime

import pytest
from playwright.sync_api import expect

from demo.seed import DEMO_COHORT_NAME
from exchange.models import Cohort
from tests.factories import CityFactory, CityQuotaFactory, CohortFactory, HostDepartmentFactory
from tests.participants.nominations import csv_bytes, row

from .axe import assert_accessible

PHONE = {"width": 375, "height": 812}

# The characters of an element that are painted inside its box (not cut off by the line clamp,
# the ellipsis or the cell's edge): what a reader actually sees of a title.
VISIBLE_TEXT = """(element) => {
  const box = element.closest(".cal-event").getBoundingClientRect();
  const range = document.createRange();
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  let shown = "";
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getBoundingClientRect();
      if (rect.width === 0 && rect.height === 0) continue;
      if (rect.bottom <= box.bottom + 0.5 && rect.right <= box.right + 0.5) shown += node.data[i];
    }
  }
  return shown.trim();
}"""

PAGE_SCROLLS_SIDEWAYS = (
    "() => document.scrollingElement.scrollWidth > document.documentElement.clientWidth"
)


def _seen_titles_by_day(page) -> list[list[str]]:
    days = []
    for cell in page.locator("#schedule-calendar .cal-day").all():
        titles = [
            title.evaluate(VISIBLE_TEXT) for title in cell.locator(".cal-event .cal-title").all()
        ]
        if len(titles) > 1:
            days.append(titles)
    return days


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_month_view_tells_the_days_titles_apart(page, demo_site, demo_login, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    demo_login("sz01")
    cohort = Cohort.objects.get(name_en=DEMO_COHORT_NAME)
    page.goto(f"/me/schedule/?view=month&date={cohort.orientation_start.isoformat()}")
    days = _seen_titles_by_day(page)
    # The orientation week has several briefings a day, all titled "Briefing: …".
    assert days, "no day of the month shows two activities"
    for titles in days:
        assert all(titles), titles
        assert len(set(titles)) == len(titles), f"titles read the same: {titles}"
    # The full title is still there for screen readers and on hover.
    first = page.locator("#schedule-calendar .cal-event").first
    assert first.locator(".visually-hidden").inner_text() in first.get_attribute("title")
    assert not page.evaluate(PAGE_SCROLLS_SIDEWAYS)


def test_the_timeline_fits_a_phone_and_its_legend_draws_today(page, demo_site, demo_login):
    page.set_viewport_size(PHONE)
    demo_login("coordinator")
    cohort = Cohort.objects.get(name_en=DEMO_COHORT_NAME)
    page.goto(f"/cohorts/{cohort.pk}/timeline/")
    box = page.locator(".timeline-scroll")
    expect(box).to_be_visible()
    assert not page.evaluate(PAGE_SCROLLS_SIDEWAYS), "the page scrolls sideways on a phone"
    assert box.evaluate("element => element.scrollWidth > element.clientWidth")

    today = page.locator(".timeline-legend .legend-today")
    drawn = today.bounding_box()
    assert drawn is not None and drawn["width"] >= 1 and drawn["height"] >= 8, drawn
    assert today.evaluate("element => getComputedStyle(element).backgroundColor") == (
        "rgb(220, 53, 69)"
    )
    # Today falls within the demo stays: its line is drawn in the lanes too, above the bars.
    line = page.locator(".timeline-track .timeline-today").first
    assert line.evaluate("element => element.getBoundingClientRect().height") > 0
    assert_accessible(page)


def test_the_import_preview_fits_a_phone(page, login, coordinator, tmp_path):
    cohort = CohortFactory(
        name="Spring cohort", orientation_start=datetime.date.today() + datetime.timedelta(days=30)
    )
    CityQuotaFactory(cohort=cohort, city=CityFactory(code="SZ", name_en="Shenzhen"), seats=10)
    for abbreviation in ("DPO", "TD"):
        HostDepartmentFactory(abbreviation=abbreviation)
    path = tmp_path / "nominations.csv"
    path.write_bytes(
        csv_bytes(
            [
                row(focus_areas=""),
                row(
                    focus_areas="",
                    name_en="A very long name of an official that goes on and on",
                    email="not-an-email-address-at-all-and-rather-long",
                    home_city="Atlantis",
                    host_preferences="XYZ; DPO; TD",
                ),
                row(
                    focus_areas="", name_en="", email="third-official-with-a-long-name@example.org"
                ),
            ]
        )
    )
    page.set_viewport_size(PHONE)
    login(coordinator)
    page.goto(f"/cohorts/{cohort.pk}/nominations/import/")
    page.get_by_label("Nominations file (CSV or XLSX)").set_input_files(path)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Nominations preview")).to_be_visible()
    expect(page.locator("#import-rows tbody tr.table-danger")).to_have_count(2)

    assert not page.evaluate(PAGE_SCROLLS_SIDEWAYS), "the page scrolls sideways on a phone"
    box = page.locator("#import-rows").locator("xpath=..")
    assert box.evaluate("element => element.scrollWidth > element.clientWidth")
    assert_accessible(page)
