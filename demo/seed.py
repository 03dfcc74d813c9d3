"""The demo data of `manage.py seed_demo`: the cohort of the press release, built idempotently.

Every function here looks rows up by their natural key and updates them, so running the seed twice
changes nothing, and running it with another start date moves the cohort's dates.
"""

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from exchange.models import City, CityQuota, Cohort, FocusArea, HostCapacity, HostDepartment
from exchange.roles import Role
from participants.models import HostPreference, Participant

from .activities import seed_activities
from .attachments import seed_attachments

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_PASSWORD = "exchange-demo"  # noqa: S105 (a published demo login)
DEMO_COHORT_NAME = "Mainland officials in Hong Kong (demo cohort)"
SEATS_PER_DEPARTMENT = 4


def load_json(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def default_cohort_start(today: datetime.date) -> datetime.date:
    """The first Monday of December this year: the press release's cohort starts early December."""
    first = datetime.date(today.year, 12, 1)
    return first + datetime.timedelta(days=(7 - first.weekday()) % 7)


@dataclass
class DemoLogins:
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (role, username, detail)

    def add(self, role: str, username: str, detail: str = ""):
        self.rows.append((role, username, detail))


def seed_reference_data() -> None:
    reference = load_json("reference.json")
    addresses = load_json("demo_officials.json")["department_addresses"]
    for row in reference["cities"]:
        City.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_en": row["name"],
                "name_zh_hant": row["name_zh_hant"],
                "name_zh_hans": row["name_zh_hans"],
                "in_gba": row["in_gba"],
                "is_home": row["is_home"],
                "region": "Greater Bay Area" if row["in_gba"] else "",
            },
        )
    for row in reference["focus_areas"]:
        FocusArea.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_en": row["name"],
                "name_zh_hant": row["name_zh_hant"],
                "name_zh_hans": row["name_zh_hans"],
            },
        )
    hong_kong = City.objects.get(code="HK")
    areas = {area.code: area for area in FocusArea.objects.all()}
    for row in reference["host_departments"]:
        department, _created = HostDepartment.objects.update_or_create(
            abbreviation=row["abbreviation"],
            defaults={
                "name_en": row["name"],
                "name_zh_hant": row["name_zh_hant"],
                "name_zh_hans": row["name_zh_hans"],
                "city": hong_kong,
                "address_en": addresses.get(row["abbreviation"], ""),
                "is_active": True,
            },
        )
        department.focus_areas.set([areas[code] for code in row["focus_areas"]])


def seed_cohort(*, start: datetime.date) -> Cohort:
    reference = load_json("reference.json")
    orientation = reference["cohort"]["orientation"]
    stay = reference["cohort"]["stay_weeks_including_orientation"]
    cohort, _created = Cohort.objects.update_or_create(
        name=DEMO_COHORT_NAME,
        defaults={
            "direction": Cohort.Direction.INBOUND,
            "status": Cohort.Status.NOMINATING,
            "orientation_start": start,
            # One working week: Monday to Friday.
            "orientation_end": start + datetime.timedelta(days=7 * orientation["weeks"] - 3),
            "orientation_venue": orientation["venue"],
            "min_stay_days": 7 * stay["min"],
            "max_stay_days": 7 * stay["max"],
        },
    )
    for row in reference["cities"]:
        if row["quota"] is not None:
            CityQuota.objects.update_or_create(
                cohort=cohort,
                city=City.objects.get(code=row["code"]),
                defaults={"seats": row["quota"]},
            )
    for department in HostDepartment.objects.all():
        HostCapacity.objects.update_or_create(
            cohort=cohort, department=department, defaults={"seats": SEATS_PER_DEPARTMENT}
        )
    return cohort


def _user(username: str, *, role: Role, logins: DemoLogins, detail: str = "", **fields):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults=fields)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=role.value))
    logins.add(role.label, username, detail)
    return user


def seed_users(logins: DemoLogins) -> None:
    _user(
        "admin",
        role=Role.ADMIN,
        logins=logins,
        is_staff=True,
        is_superuser=True,
        first_name="Ada",
        last_name="Admin",
        email="admin@example.org",
    )
    _user(
        "coordinator",
        role=Role.COORDINATOR,
        logins=logins,
        is_staff=True,
        first_name="Connie",
        last_name="Chan",
        email="coordinator@example.org",
    )
    for department in HostDepartment.objects.order_by("abbreviation"):
        code = department.abbreviation.lower()
        liaison = _user(
            f"liaison-{code}",
            role=Role.LIAISON,
            logins=logins,
            detail=department.abbreviation,
            first_name="Liaison",
            last_name=department.abbreviation,
            email=f"liaison-{code}@example.org",
        )
        department.liaisons.add(liaison)


def seed_participants(cohort: Cohort, logins: DemoLogins) -> None:
    data = load_json("demo_officials.json")
    cities = {city.code: city for city in City.objects.all()}
    areas = {area.code: area for area in FocusArea.objects.all()}
    departments = list(HostDepartment.objects.prefetch_related("focus_areas"))
    counters: dict[str, int] = {}
    for city_code, name_en, name_zh, rank, interests in data["officials"]:
        counters[city_code] = counters.get(city_code, 0) + 1
        number = counters[city_code]
        username = f"{city_code.lower()}{number:02d}"
        organisations = data["organisations"][city_code]
        email = f"{username}@example.org"
        user = _user(
            username,
            role=Role.PARTICIPANT,
            logins=logins,
            detail=f"{name_en} {name_zh}",
            # Chinese order, family name first, as the officials write it: "Chen Minghui".
            first_name=name_en,
            last_name="",
            email=email,
        )
        participant, created = Participant.objects.get_or_create(
            cohort=cohort,
            email=email,
            defaults={
                "name_en": name_en,
                "name_zh": name_zh,
                "home_city": cities[city_code],
                "home_organisation": organisations[(number - 1) % len(organisations)],
                "post_title": Participant.Rank(rank).label if rank != "other" else "Senior Officer",
                "rank": rank,
                "phone": f"+86 {130 + number} {1000 + number * 37:04d} {2000 + number * 53:04d}",
                "preferred_language": "zh-hans" if number % 3 else "en",
                "status": Participant.Status.CONFIRMED,
                "user": user,
            },
        )
        if not created:
            continue
        participant.focus_areas.set([areas[code] for code in interests])
        # Ranked wishes: departments working on the official's interests first.
        wished = [d for d in departments if {a.code for a in d.focus_areas.all()} & set(interests)]
        wished += [d for d in departments if d not in wished]
        HostPreference.objects.bulk_create(
            HostPreference(participant=participant, department=d, rank=i)
            for i, d in enumerate(wished[:3], start=1)
        )


@transaction.atomic
def seed_demo(*, start: datetime.date) -> tuple[Cohort, DemoLogins]:
    logins = DemoLogins()
    seed_reference_data()
    cohort = seed_cohort(start=start)
    seed_users(logins)
    seed_participants(cohort, logins)
    seed_activities(cohort)
    seed_attachments(cohort)
    return cohort, logins
