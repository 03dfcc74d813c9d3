"""The demo cohort's activities: the orientation week at the Civil Service College and a few
departmental activities afterwards, as the press release describes them.

Each activity is found by its natural key (cohort and title) and written only when it differs, so
seeding twice changes nothing, and seeding with a moved cohort start moves the activities (with
their sequence bumped, as any change to an activity does).
"""

import datetime
from dataclasses import dataclass

from exchange.models import Cohort, HostDepartment
from exchange.translated import translated_values, translations_of
from placements.models import Activity
from placements.schedule import HONG_KONG

from .texts import texts

Kind = Activity.Kind
CSC = "Civil Service College"


@dataclass(frozen=True)
class DemoActivity:
    day: int  # days after the orientation starts (0 = its first day)
    start: str
    end: str
    kind: str
    title: str
    location: str = ""
    department: str | None = None
    description: str = ""


ORIENTATION = [
    DemoActivity(
        0,
        "09:30",
        "10:00",
        Kind.ORIENTATION_SESSION,
        "Registration and welcome",
        f"{CSC}, lobby",
        description="Collect your staff pass, programme folder and Octopus card.",
    ),
    DemoActivity(
        0,
        "10:00",
        "11:00",
        Kind.ORIENTATION_SESSION,
        "Opening session with the Secretary for the Civil Service",
        f"{CSC}, lecture theatre",
        description=(
            "Opening address by the Secretary for the Civil Service, with the Permanent "
            "Secretary for the Civil Service and the Head of the Civil Service College."
        ),
    ),
    DemoActivity(
        0,
        "11:15",
        "12:45",
        Kind.ORIENTATION_SESSION,
        "Briefing: the structure of the HKSAR Government",
        f"{CSC}, lecture theatre",
        description="Policy bureaux and departments, and how they work together.",
    ),
    DemoActivity(
        0,
        "14:30",
        "16:30",
        Kind.ORIENTATION_SESSION,
        "Briefing: the Basic Law and the constitutional order of the HKSAR",
        f"{CSC}, lecture theatre",
    ),
    DemoActivity(
        1,
        "09:30",
        "11:00",
        Kind.ORIENTATION_SESSION,
        "Briefing: Hong Kong's civil service system",
        f"{CSC}, seminar room 1",
        description="Appointments, conduct and discipline, training and development.",
    ),
    DemoActivity(
        1,
        "11:15",
        "12:45",
        Kind.ORIENTATION_SESSION,
        "Briefing: policy making and the Legislative Council",
        f"{CSC}, seminar room 1",
    ),
    DemoActivity(
        1,
        "14:30",
        "16:30",
        Kind.ORIENTATION_SESSION,
        "Briefing: public finance and the Budget",
        f"{CSC}, seminar room 1",
    ),
    DemoActivity(
        2,
        "09:30",
        "12:30",
        Kind.ORIENTATION_SESSION,
        "Hong Kong in national development and the Greater Bay Area",
        f"{CSC}, lecture theatre",
    ),
    DemoActivity(
        2,
        "14:30",
        "17:00",
        Kind.ORIENTATION_SESSION,
        "Visit to the Legislative Council Complex",
        "Legislative Council Complex, 1 Legislative Council Road, Central",
    ),
    DemoActivity(
        3,
        "09:30",
        "11:00",
        Kind.ORIENTATION_SESSION,
        "Briefing: integrity in the public service",
        f"{CSC}, seminar room 2",
    ),
    DemoActivity(
        3,
        "11:15",
        "12:45",
        Kind.ORIENTATION_SESSION,
        "Briefing: digital government and the smart city",
        f"{CSC}, seminar room 2",
    ),
    DemoActivity(
        3,
        "14:30",
        "16:30",
        Kind.ORIENTATION_SESSION,
        "Briefing: public services and customer service culture",
        f"{CSC}, seminar room 2",
    ),
    DemoActivity(
        4,
        "09:30",
        "11:30",
        Kind.ORIENTATION_SESSION,
        "Meeting the host departments' liaison officers",
        f"{CSC}, lecture theatre",
        description="What to expect during the attachment, and whom to ask.",
    ),
    DemoActivity(
        4,
        "11:30",
        "12:30",
        Kind.ORIENTATION_SESSION,
        "Closing session of the orientation week",
        f"{CSC}, lecture theatre",
    ),
]

# After the orientation week, during the attachments; each for its department's attachees.
DEPARTMENTAL = [
    DemoActivity(
        9,
        "10:00",
        "12:00",
        Kind.DEPARTMENTAL_BRIEFING,
        "Departmental briefing: Digital Policy Office",
        department="DPO",
        description="The digital government blueprint, data governance and cybersecurity.",
    ),
    DemoActivity(
        10,
        "09:30",
        "12:30",
        Kind.SITE_VISIT,
        "Site visit: Central Kowloon Route",
        "Central Kowloon Route site office, Yau Ma Tei",
        department="HyD",
        description="Safety briefing first; wear flat closed shoes.",
    ),
    DemoActivity(
        11,
        "14:30",
        "17:30",
        Kind.INDUSTRY_FORUM,
        "Industry forum: Hong Kong as a gateway for Mainland enterprises going global",
        department="InvestHK",
    ),
    DemoActivity(
        16,
        "10:00",
        "12:00",
        Kind.WORKING_MEETING,
        "Working meeting: cross-boundary traffic management",
        department="TD",
    ),
    DemoActivity(
        17,
        "09:30",
        "17:00",
        Kind.SPECIALISED_PROJECT,
        "Specialised project workshop: Northern Metropolis land use",
        department="PlanD",
        description="A day's workshop with the district planning team; bring a laptop.",
    ),
]


def _at(day: datetime.date, clock: str) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.fromisoformat(clock), tzinfo=HONG_KONG)


def _texts_or_empty(english: str) -> dict[str, str]:
    return texts(english) if english else {"en": "", "zh-hant": "", "zh-hans": ""}


def _location(demo: DemoActivity, department: HostDepartment | None) -> dict[str, str]:
    if demo.location:
        return texts(demo.location)
    if department is None:
        return _texts_or_empty("")
    return translations_of(department, "address")


def seed_activities(cohort: Cohort) -> None:
    """Create or move the demo activities of `cohort` (idempotent)."""
    departments = {d.abbreviation: d for d in HostDepartment.objects.all()}
    existing = {a.title_en: a for a in Activity.objects.filter(cohort=cohort)}
    for demo in [*ORIENTATION, *DEPARTMENTAL]:
        day = cohort.orientation_start + datetime.timedelta(days=demo.day)
        department = departments.get(demo.department) if demo.department else None
        values = {
            "kind": demo.kind,
            **translated_values("title", texts(demo.title)),
            **translated_values("description", _texts_or_empty(demo.description)),
            "starts_at": _at(day, demo.start),
            "ends_at": _at(day, demo.end),
            **translated_values("location", _location(demo, department)),
            "department_id": department.pk if department else None,
            "audience": (Activity.Audience.DEPARTMENT if department else Activity.Audience.COHORT),
            "status": Activity.Status.SCHEDULED,
        }
        activity = existing.get(demo.title)
        if activity is None:
            Activity.objects.create(cohort=cohort, **values)
            continue
        if any((getattr(activity, name) or "") != (value or "") for name, value in values.items()):
            for name, value in values.items():
                setattr(activity, name, value)
            activity.sequence += 1
            activity.save()
