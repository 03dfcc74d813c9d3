"""Fixtures of the participants tests."""

import pytest

from tests.factories import (
    CityFactory,
    CityQuotaFactory,
    CohortFactory,
    FocusAreaFactory,
    HostDepartmentFactory,
)


@pytest.fixture
def intake(db):
    """A cohort taking 3 officials from Shenzhen and 1 from Beijing, with the reference data."""
    cohort = CohortFactory()
    shenzhen = CityFactory(code="SZ", name_en="Shenzhen", name_zh_hant="深圳", name_zh_hans="深圳")
    beijing = CityFactory(code="BJ", name_en="Beijing", name_zh_hant="北京", name_zh_hans="北京")
    CityQuotaFactory(cohort=cohort, city=shenzhen, seats=3)
    CityQuotaFactory(cohort=cohort, city=beijing, seats=1)
    CityFactory(code="WH", name_en="Wuhan")  # a real city without seats in this cohort
    FocusAreaFactory(code="gba", name_en="Greater Bay Area development")
    FocusAreaFactory(code="trade-finance", name_en="Trade and finance")
    for abbreviation in ("DPO", "TD", "ITC"):
        HostDepartmentFactory(abbreviation=abbreviation)
    return {"cohort": cohort, "shenzhen": shenzhen, "beijing": beijing}
