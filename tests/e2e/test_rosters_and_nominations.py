"""Admin journey: download a cohort's roster as XLSX; coordinator: import nominations."""

from openpyxl import load_workbook
from playwright.sync_api import expect

from participants.models import Participant
from placements.models import ExportLog
from tests.factories import (
    AttachmentFactory,
    CityFactory,
    CityQuotaFactory,
    CohortFactory,
    HostDepartmentFactory,
    ParticipantFactory,
)
from tests.participants.nominations import csv_bytes, row


def test_admin_downloads_the_xlsx_roster(page, login, admin_user, tmp_path):
    cohort = CohortFactory(name="Winter cohort")
    shenzhen = CityFactory(code="SZ", name_en="Shenzhen")
    dpo = HostDepartmentFactory(abbreviation="DPO", name_en="Digital Policy Office")
    chen = ParticipantFactory(
        cohort=cohort, home_city=shenzhen, name_en="Chen Minghui", name_zh="陈明辉"
    )
    attachment = AttachmentFactory(participant=chen, department=dpo)
    ParticipantFactory(cohort=cohort, home_city=shenzhen, name_en="Not Attached")

    login(admin_user)
    page.get_by_role("link", name="Roster", exact=True).click()
    expect(page.get_by_role("heading", name="Roster of Winter cohort")).to_be_visible()
    # The count follows the filters through htmx, which listens only once the page has loaded:
    # on a busy machine the heading shows well before (a flake seen on a fresh clone).
    page.wait_for_load_state()
    page.get_by_label("Host department").select_option(label="Digital Policy Office (DPO)")
    expect(page.locator("#roster-count")).to_contain_text("1 row matches")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download Excel (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    # The spinner stops once the file has arrived.
    expect(page.get_by_role("button", name="Download Excel (XLSX)")).to_be_enabled()

    sheet = load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Name (English)", "Name (Chinese)")
    assert len(rows) == 2
    assert rows[1][:3] == ("Chen Minghui", "陈明辉", "Shenzhen")
    assert rows[1][6] == "Digital Policy Office (DPO)"
    assert rows[1][7].date() == attachment.start
    log = ExportLog.objects.get()
    assert (log.format, log.row_count, log.filters) == ("xlsx", 1, {"department": "DPO"})


def test_coordinator_imports_nominations_through_the_preview(page, login, coordinator, tmp_path):
    cohort = CohortFactory(name="Spring cohort")
    shenzhen = CityFactory(code="SZ", name_en="Shenzhen")
    CityQuotaFactory(cohort=cohort, city=shenzhen, seats=10)
    for abbreviation in ("DPO", "TD"):
        HostDepartmentFactory(abbreviation=abbreviation)
    path = tmp_path / "nominations.csv"
    path.write_bytes(
        csv_bytes(
            [
                row(focus_areas=""),
                row(
                    name_en="Lin Xiaoyan", name_zh="林晓燕", email="lin@example.org", focus_areas=""
                ),
            ]
        )
    )

    login(coordinator)
    page.get_by_role("link", name="Import nominations").click()
    expect(
        page.get_by_role("heading", name="Import nominations into Spring cohort")
    ).to_be_visible()
    page.get_by_label("Nominations file (CSV or XLSX)").set_input_files(path)
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", name="Nominations preview")).to_be_visible()
    expect(page.locator("#import-rows tbody tr")).to_have_count(2)
    expect(page.locator("#import-rows")).to_contain_text("林晓燕")
    assert not Participant.objects.exists()
    page.get_by_role("button", name="Confirm the import").click()

    expect(page.get_by_role("alert").first).to_contain_text("2 officials added to Spring cohort")
    assert set(Participant.objects.values_list("name_zh", flat=True)) == {"陈明辉", "林晓燕"}
