"""The demo data of `manage.py seed_demo`: the cohort of the press release, built idempotently.

Every function here looks rows up by their natural key and updates them, so running the seed twice
changes nothing, and running it with another start date moves the cohort's dates.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import translation

from exchange.models import City, CityQuota, Cohort, FocusArea, HostCapacity, HostDepartment
from exchange.roles import Role
from exchange.translated import set_translated, translated_values
from participants.models import HostPreference, Participant

from .activities import seed_activities
from .attachments import seed_attachments
from .texts import department_address, load_json, next_round_officials, texts

DEMO_PASSWORD = "exchange-demo"  # noqa: S105 (a published demo login)
DEMO_COHORT_NAME = "Mainland officials in Hong Kong (demo cohort)"
# The next round, still nominating, with seats left: where the sample nominations file
# (docs/sample-nominations.csv) can be imported at once.
NEXT_COHORT_NAME = "Mainland officials in Hong Kong, next round (demo)"
NEXT_COHORT_WEEKS_LATER = 26
SEATS_PER_DEPARTMENT = 4


def status_on(cohort: Cohort, today: datetime.date) -> str:
    """The status a cohort's dates give it on `today`: nominating until orientation, then
    orientation, attachment until the last day of the longest stay, then completed."""
    if today < cohort.orientation_start:
        return Cohort.Status.NOMINATING
    if today <= cohort.orientation_end:
        return Cohort.Status.ORIENTATION
    if today <= cohort.latest_end:
        return Cohort.Status.ATTACHMENT
    return Cohort.Status.COMPLETED


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
                **translated_values(
                    "address",
                    department_address(row["abbreviation"], addresses[row["abbreviation"]]),
                ),
                "is_active": True,
            },
        )
        department.focus_areas.set([areas[code] for code in row["focus_areas"]])


def seed_cohort(
    *, start: datetime.date, name: str = DEMO_COHORT_NAME, today: datetime.date | None = None
) -> Cohort:
    reference = load_json("reference.json")
    orientation = reference["cohort"]["orientation"]
    stay = reference["cohort"]["stay_weeks_including_orientation"]
    cohort = Cohort.objects.filter(name_en=name).first() or Cohort(name_en=name)
    cohort.direction = Cohort.Direction.INBOUND
    cohort.orientation_start = start
    # One working week: Monday to Friday.
    cohort.orientation_end = start + datetime.timedelta(days=7 * orientation["weeks"] - 3)
    cohort.min_stay_days = 7 * stay["min"]
    cohort.max_stay_days = 7 * stay["max"]
    set_translated(cohort, "name", texts(name))
    set_translated(cohort, "orientation_venue", texts(orientation["venue"]))
    cohort.status = status_on(cohort, today or datetime.date.today())
    cohort.save()
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


def _post_title(rank: str) -> str:
    with translation.override("en"):
        return str(Participant.Rank(rank).label) if rank != "other" else "Senior Officer"


def _preferences(participant: Participant, interests, departments) -> None:
    """Ranked wishes: departments working on the official's interests first."""
    wished = [d for d in departments if {a.code for a in d.focus_areas.all()} & set(interests)]
    wished += [d for d in departments if d not in wished]
    HostPreference.objects.bulk_create(
        HostPreference(participant=participant, department=d, rank=i)
        for i, d in enumerate(wished[:3], start=1)
    )


def _official(cohort: Cohort, *, email: str, organisation: str, rank: str, **defaults):
    """Create the official, or bring an existing one's translated texts up to date."""
    translated = {"home_organisation": texts(organisation), "post_title": texts(_post_title(rank))}
    participant = Participant.objects.filter(cohort=cohort, email=email).first()
    if participant is not None:
        changed = [set_translated(participant, k, v) for k, v in translated.items()]
        if any(changed):
            participant.save()
        return participant, False
    participant = Participant(cohort=cohort, email=email, rank=rank, **defaults)
    for name, value in translated.items():
        set_translated(participant, name, value)
    participant.save()
    return participant, True


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
        participant, created = _official(
            cohort,
            email=email,
            organisation=organisations[(number - 1) % len(organisations)],
            rank=rank,
            name_en=name_en,
            name_zh=name_zh,
            home_city=cities[city_code],
            phone=f"+86 {130 + number} {1000 + number * 37:04d} {2000 + number * 53:04d}",
            preferred_language="zh-hans" if number % 3 else "en",
            status=Participant.Status.CONFIRMED,
            user=user,
        )
        if not created:
            continue
        participant.focus_areas.set([areas[code] for code in interests])
        _preferences(participant, interests, departments)


def seed_next_cohort(*, start: datetime.date, today: datetime.date | None = None) -> Cohort:
    """The second demo cohort: the next round, nominating, a few officials nominated so far."""
    cohort = seed_cohort(
        start=start + datetime.timedelta(weeks=NEXT_COHORT_WEEKS_LATER),
        name=NEXT_COHORT_NAME,
        today=today,
    )
    organisations = load_json("demo_officials.json")["organisations"]
    cities = {city.code: city for city in City.objects.all()}
    areas = {area.code: area for area in FocusArea.objects.all()}
    departments = list(HostDepartment.objects.prefetch_related("focus_areas"))
    officials = next_round_officials()
    for number, (city_code, name_en, name_zh, rank, interests) in enumerate(officials, start=1):
        participant, created = _official(
            cohort,
            email=f"next{number:02d}@example.org",
            organisation=organisations[city_code][0],
            rank=rank,
            name_en=name_en,
            name_zh=name_zh,
            home_city=cities[city_code],
            phone=f"+86 {150 + number} {3000 + number * 41:04d} {4000 + number * 59:04d}",
            preferred_language="zh-hans",
            status=Participant.Status.NOMINATED,
        )
        if created:
            participant.focus_areas.set([areas[code] for code in interests])
            _preferences(participant, interests, departments)
    return cohort


@transaction.atomic
def seed_demo(*, start: datetime.date) -> tuple[Cohort, DemoLogins]:
    logins = DemoLogins()
    seed_reference_data()
    cohort = seed_cohort(start=start)
    seed_users(logins)
    seed_participants(cohort, logins)
    seed_activities(cohort)
    seed_attachments(cohort)
    seed_next_cohort(start=start)
    return cohort, logins
