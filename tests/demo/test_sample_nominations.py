"""The sample nominations file in docs/ imports into the demo's nominating cohort: its good rows
pass and exactly its bad rows are refused, each for its reason (README, "Try the import")."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from demo.seed import NEXT_COHORT_NAME
from exchange.models import Cohort
from participants import imports
from participants.models import Participant

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-nominations.csv"


def test_the_sample_file_previews_with_exactly_its_bad_rows_refused(coordinator):
    call_command("seed_demo", "--cohort-start", "2026-12-07", "--quiet-logins")
    cohort = Cohort.objects.get(name_en=NEXT_COHORT_NAME)
    assert cohort.status == Cohort.Status.NOMINATING
    before = Participant.objects.filter(cohort=cohort).count()

    parsed = imports.read_nominations_content(SAMPLE.read_bytes(), filename=SAMPLE.name)
    upload = imports.nomination_import_create(cohort=cohort, parsed=parsed, by=coordinator)
    validation = imports.validate_nominations(cohort=cohort, rows=upload.rows)

    errors = {row.line: row.errors for row in validation.rows if row.errors}
    assert errors == {
        6: ["Unknown city “Guangzhou”: use a city code such as SZ, or its name."],
        7: [
            "Missing Home organisation.",
            "“bai.lin(at)example.org” is not a valid email address.",
        ],
        8: ["Unknown host department “XYZ”."],
        9: ["Duplicate official: same email as row 3."],
    }
    good = [row.line for row in validation.rows if not row.errors]
    assert good == [2, 3, 4, 5, 10]
    # All or nothing: with bad rows, confirming adds nobody.
    with pytest.raises(imports.ValidationError):
        imports.nomination_import_apply(nomination_import=upload, by=coordinator)
    assert Participant.objects.filter(cohort=cohort).count() == before

    # The good rows alone import: the sheet's texts are the English ones, whatever the language
    # of the page (Chinese falls back to them until someone adds it).
    upload.rows = [row for row in upload.rows if row["line"] in good]
    upload.save(update_fields=["rows"])
    with translation.override("zh-hans"):
        imports.nomination_import_apply(nomination_import=upload, by=coordinator)
        added = Participant.objects.get(cohort=cohort, email="li.wenjing@example.org")
        assert added.home_organisation == "Shenzhen Municipal Commerce Bureau"
    assert Participant.objects.filter(cohort=cohort).count() == before + 5
    assert added.home_organisation_en == "Shenzhen Municipal Commerce Bureau"
    assert not added.home_organisation_zh_hans
