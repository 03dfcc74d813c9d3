"""A small demo-like world for the fuzz suite: two cohorts with officials in every status,
attachments in every status, activities for every audience, notices, nominations uploads and
export log entries, and one user per role. Dates are fixed (spring and autumn 2027), so that a
run does not depend on the day it runs."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.utils import timezone

from exchange.models import Notification
from exchange.roles import Role
from participants.models import AccessLog, HostPreference, NominationImport, Participant
from participants.notices import ParticipantKind
from placements.models import Activity, Attachment, ExportLog, PlanSuggestion
from placements.notices import PlacementKind
from tests.exchange.notification_factories import make_notification
from tests.factories import (
    ActivityFactory,
    AttachmentFactory,
    CityFactory,
    CityQuotaFactory,
    CohortFactory,
    FocusAreaFactory,
    HostCapacityFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)
from tests.participants.nominations import HEADER
from tests.participants.nominations import row as nomination_row

ROLES = ("anonymous", "participant", "liaison", "coordinator", "admin")


@dataclass
class World:
    users: dict  # role name -> User (None for anonymous)
    objects: dict = field(default_factory=dict)  # model -> [instances]
    tokens: list = field(default_factory=list)  # real calendar-feed tokens

    def ids(self, model) -> list[int]:
        return [obj.pk for obj in self.objects.get(model, [])]

    def all_ids(self) -> list[int]:
        return sorted({pk for objects in self.objects.values() for pk in (o.pk for o in objects)})


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def build_world() -> World:
    users = {
        "anonymous": None,
        "admin": UserFactory(
            username="fuzz-admin", role=Role.ADMIN, is_staff=True, is_superuser=True
        ),
        "coordinator": UserFactory(
            username="fuzz-coordinator", role=Role.COORDINATOR, is_staff=True
        ),
        "liaison": UserFactory(username="fuzz-liaison", role=Role.LIAISON),
        "participant": UserFactory(username="fuzz-participant", role=Role.PARTICIPANT),
    }
    # The coordinator may export rosters too, so the roster pages are fuzzed past the permission.
    users["coordinator"].user_permissions.add(
        Permission.objects.get(codename="export_roster", content_type__app_label="placements")
    )

    CityFactory(code="HK", name_en="Hong Kong", is_home=True)
    shenzhen = CityFactory(code="SZ", name_en="Shenzhen", name_zh_hant="深圳", name_zh_hans="深圳")
    beijing = CityFactory(code="BJ", name_en="Beijing", name_zh_hant="北京", name_zh_hans="北京")
    CityFactory(code="WH", name_en="Wuhan")
    gba = FocusAreaFactory(code="gba", name_en="Greater Bay Area development")
    FocusAreaFactory(code="trade-finance", name_en="Trade and finance")
    dpo = HostDepartmentFactory(abbreviation="DPO", name_en="Digital Policy Office")
    dpo.liaisons.add(users["liaison"])
    td = HostDepartmentFactory(abbreviation="TD", name_en="Transport Department")
    itc = HostDepartmentFactory(abbreviation="ITC", name_en="Innovation and Technology Commission")
    HostDepartmentFactory(abbreviation="OLD", name_en="Former Bureau", is_active=False)

    spring = CohortFactory(
        name="Spring 2027",
        orientation_start=datetime.date(2027, 3, 1),
        orientation_end=datetime.date(2027, 3, 5),
        min_stay_days=28,
        max_stay_days=91,
    )
    autumn = CohortFactory(
        name="Autumn 2027",
        orientation_start=datetime.date(2027, 9, 6),
        orientation_end=datetime.date(2027, 9, 10),
        status="planning",
    )
    for cohort, seats in ((spring, 3), (autumn, 2)):
        CityQuotaFactory(cohort=cohort, city=shenzhen, seats=seats)
        CityQuotaFactory(cohort=cohort, city=beijing, seats=2)
    for department, seats in ((dpo, 2), (td, 2), (itc, 1)):
        HostCapacityFactory(cohort=spring, department=department, seats=seats)
    HostCapacityFactory(cohort=autumn, department=td, seats=1)

    own = ParticipantFactory(
        cohort=spring,
        name_en="Chen Minghui",
        home_city=shenzhen,
        user=users["participant"],
        email="fuzz-participant@example.org",
    )
    own.focus_areas.add(gba)
    HostPreference.objects.create(participant=own, department=dpo, rank=1)
    HostPreference.objects.create(participant=own, department=td, rank=2)
    attached = ParticipantFactory(
        cohort=spring, name_en="Li Wei", home_city=beijing, user=UserFactory()
    )
    nominated = ParticipantFactory(
        cohort=spring, name_en="Wang Fang", home_city=shenzhen, status=Participant.Status.NOMINATED
    )
    withdrawn = ParticipantFactory(
        cohort=spring, name_en="Zhao Lei", home_city=beijing, status=Participant.Status.WITHDRAWN
    )
    elsewhere = ParticipantFactory(
        cohort=autumn, name_en="Liu Yang", home_city=shenzhen, user=UserFactory()
    )

    proposed = AttachmentFactory(
        participant=own,
        department=dpo,
        start=datetime.date(2027, 3, 8),
        end=datetime.date(2027, 4, 9),
        status=Attachment.Status.PROPOSED,
    )
    confirmed = AttachmentFactory(
        participant=attached,
        department=dpo,
        start=datetime.date(2027, 3, 8),
        end=datetime.date(2027, 5, 28),
    )
    cancelled = AttachmentFactory(
        participant=nominated,
        department=td,
        start=datetime.date(2027, 3, 15),
        end=datetime.date(2027, 4, 16),
        status=Attachment.Status.CANCELLED,
    )
    autumn_attachment = AttachmentFactory(
        participant=elsewhere,
        department=td,
        start=datetime.date(2027, 9, 13),
        end=datetime.date(2027, 10, 29),
    )

    everyone = ActivityFactory(
        cohort=spring,
        kind=Activity.Kind.ORIENTATION_SESSION,
        title="Welcome session",
        starts_at=_at(spring.orientation_start, 9),
        ends_at=_at(spring.orientation_start, 12),
    )
    briefing = ActivityFactory(
        cohort=spring,
        title="DPO briefing",
        department=dpo,
        audience=Activity.Audience.DEPARTMENT,
        starts_at=_at(datetime.date(2027, 3, 9), 10),
        ends_at=_at(datetime.date(2027, 3, 9), 12),
    )
    visit = ActivityFactory(
        cohort=spring,
        kind=Activity.Kind.SITE_VISIT,
        title="Site visit",
        audience=Activity.Audience.NAMED,
        starts_at=_at(datetime.date(2027, 3, 10), 14),
        ends_at=_at(datetime.date(2027, 3, 10), 17),
    )
    visit.participants.add(own)
    called_off = ActivityFactory(
        cohort=spring,
        title="Called-off forum",
        status=Activity.Status.CANCELLED,
        starts_at=_at(datetime.date(2027, 3, 11), 9),
        ends_at=_at(datetime.date(2027, 3, 11), 10),
    )
    autumn_activity = ActivityFactory(
        cohort=autumn,
        starts_at=_at(autumn.orientation_start, 9),
        ends_at=_at(autumn.orientation_start, 11),
    )

    notifications = [
        make_notification(participant=own, dedupe_key="fuzz:pending"),
        make_notification(
            ParticipantKind.ORIENTATION_REMINDER,
            participant=own,
            status=Notification.Status.SENT,
            dedupe_key="fuzz:sent",
        ),
        make_notification(
            PlacementKind.ATTACHMENT_CREATED,
            participant=own,
            related=proposed,
            status=Notification.Status.FAILED,
            attempts=5,
            last_error="SMTP said no",
            dedupe_key="fuzz:failed",
        ),
        make_notification(
            PlacementKind.ATTACHMENT_CREATED,
            participant=attached,
            recipient=users["liaison"],
            related=confirmed,
            dedupe_key="fuzz:liaison",
        ),
        make_notification(participant=elsewhere, dedupe_key="fuzz:autumn"),
    ]

    def upload(status, line_values):
        return NominationImport.objects.create(
            cohort=spring,
            uploaded_by=users["coordinator"],
            filename="nominations.csv",
            sha256="0" * 64,
            rows=[
                {"line": line, "values": dict(zip(HEADER, values, strict=True))}
                for line, values in line_values
            ],
            status=status,
        )

    imports = [
        upload(
            NominationImport.Status.PREVIEW,
            [
                (2, nomination_row(email="new@example.org", name_en="Sun Li")),
                (3, nomination_row(email="bad", home_city="XX")),
            ],
        ),
        upload(NominationImport.Status.APPLIED, [(2, nomination_row(email="old@example.org"))]),
    ]
    logs = [
        ExportLog.objects.create(
            user=users["admin"], cohort=spring, format=ExportLog.Format.CSV, row_count=4
        )
    ]
    access = AccessLog.objects.create(
        user=users["coordinator"],
        username=users["coordinator"].username,
        kind=AccessLog.Kind.OFFICIAL_PAGE,
        path=attached.get_absolute_url(),
        address="127.0.0.1",
        official_count=1,
    )
    access.participants.set([attached])

    suggestions = [
        PlanSuggestion.objects.create(
            cohort=spring,
            requested_by=users["coordinator"],
            status=PlanSuggestion.Status.DONE,
            progress=100,
            rows=[
                {
                    "id": 0,
                    "participant": nominated.pk,
                    "name": nominated.name_en,
                    "department": dpo.pk,
                    "abbreviation": dpo.abbreviation,
                    "start": "2027-03-08",
                    "end": "2027-04-04",
                    "score": 100,
                    "official_score": 100,
                    "choice": {"kind": "rank", "rank": 1},
                    "part": 1,
                    "parts": 1,
                    "plan": [[dpo.pk, "2027-03-08", "2027-04-04"]],
                    "blocked": [],
                    "replaces": [],
                    "state": "suggested",
                }
            ],
            placed=1,
            total_score=100,
            solver_status=PlanSuggestion.SolverStatus.OPTIMAL,
        ),
        PlanSuggestion.objects.create(cohort=autumn, status=PlanSuggestion.Status.QUEUED),
    ]
    participants = [own, attached, nominated, withdrawn, elsewhere]
    return World(
        users=users,
        objects={
            type(spring): [spring, autumn],
            Participant: participants,
            Attachment: [proposed, confirmed, cancelled, autumn_attachment],
            Activity: [everyone, briefing, visit, called_off, autumn_activity],
            Notification: notifications,
            NominationImport: imports,
            ExportLog: logs,
            AccessLog: [access],
            PlanSuggestion: suggestions,
            type(dpo): [dpo, td, itc],
        },
        tokens=[p.calendar_token for p in participants],
    )
