"""A cohort with fixed dates for the placement tests.

Orientation runs Monday 1 to Friday 5 March 2027; stays last 28 to 91 days, so the last
attachment ends between 28 March and 30 May 2027. DPO (the `department` fixture, with its liaison)
and TD each have two seats.
"""

import datetime

import pytest

from tests.factories import (
    CityFactory,
    CityQuotaFactory,
    CohortFactory,
    HostCapacityFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)


def day(month: int, day_of_month: int) -> datetime.date:
    return datetime.date(2027, month, day_of_month)


@pytest.fixture
def cohort(db):
    return CohortFactory(
        name="Spring 2027",
        orientation_start=day(3, 1),
        orientation_end=day(3, 5),
        min_stay_days=28,
        max_stay_days=91,
    )


@pytest.fixture
def shenzhen(cohort):
    city = CityFactory(code="SZ", name_en="Shenzhen")
    CityQuotaFactory(cohort=cohort, city=city, seats=3)
    return city


@pytest.fixture
def dpo(cohort, department):
    HostCapacityFactory(cohort=cohort, department=department, seats=2)
    return department


@pytest.fixture
def td(cohort):
    department = HostDepartmentFactory(abbreviation="TD", name_en="Transport Department")
    HostCapacityFactory(cohort=cohort, department=department, seats=2)
    return department


@pytest.fixture
def make_official(cohort, shenzhen):
    def make(name: str, **fields):
        return ParticipantFactory(
            cohort=cohort, name_en=name, home_city=shenzhen, user=UserFactory(), **fields
        )

    return make


@pytest.fixture
def official(make_official):
    return make_official("Chen Minghui")
