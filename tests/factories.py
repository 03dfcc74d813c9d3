"""factory_boy factories for the domain. Reference rows are looked up by natural key, so a test
can mix factories with `seed_demo` data."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from exchange.models import City, CityQuota, Cohort, FocusArea, HostCapacity, HostDepartment
from exchange.roles import Role
from participants.models import Participant
from placements.models import Activity, Attachment

PASSWORD = "a-test-password-1"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=Role(extracted).value))
        self.save()


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n:03d}")
    name_en = factory.Sequence(lambda n: f"City {n}")
    name_zh_hant = factory.Sequence(lambda n: f"城市{n}")
    name_zh_hans = factory.Sequence(lambda n: f"城市{n}")


class FocusAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FocusArea
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"area-{n}")
    name_en = factory.Sequence(lambda n: f"Area {n}")


class HostDepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HostDepartment
        django_get_or_create = ("abbreviation",)

    abbreviation = factory.Sequence(lambda n: f"D{n:03d}")
    name_en = factory.Sequence(lambda n: f"Department {n}")
    name_zh_hant = factory.Sequence(lambda n: f"部門{n}")
    name_zh_hans = factory.Sequence(lambda n: f"部门{n}")
    city = factory.LazyFunction(lambda: CityFactory(code="HK", name_en="Hong Kong", is_home=True))
    address_en = factory.Sequence(lambda n: f"{n} Harbour Road, Wan Chai")


class CohortFactory(factory.django.DjangoModelFactory):
    """A cohort whose one-week orientation starts on `orientation_start` (default: in 14 days)."""

    class Meta:
        model = Cohort

    name = factory.Sequence(lambda n: f"Cohort {n}")
    orientation_start = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=14)
    )
    orientation_end = factory.LazyAttribute(
        lambda c: c.orientation_start + datetime.timedelta(days=4)
    )
    status = Cohort.Status.NOMINATING


class CityQuotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CityQuota

    cohort = factory.SubFactory(CohortFactory)
    city = factory.SubFactory(CityFactory)
    seats = 4


class HostCapacityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HostCapacity

    cohort = factory.SubFactory(CohortFactory)
    department = factory.SubFactory(HostDepartmentFactory)
    seats = 3


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    cohort = factory.SubFactory(CohortFactory)
    name_en = factory.Sequence(lambda n: f"Official {n}")
    name_zh = factory.Sequence(lambda n: f"官员{n}")
    home_city = factory.SubFactory(CityFactory)
    home_organisation = "Municipal Development and Reform Commission"
    post_title = "Division Director"
    rank = Participant.Rank.DIVISION_DIRECTOR
    email = factory.Sequence(lambda n: f"official{n}@example.org")
    status = Participant.Status.CONFIRMED
    preferred_language = "en"


class AttachmentFactory(factory.django.DjangoModelFactory):
    """An attachment row written directly (tests of rules go through the services instead)."""

    class Meta:
        model = Attachment

    participant = factory.SubFactory(ParticipantFactory)
    department = factory.SubFactory(HostDepartmentFactory)
    start = factory.LazyAttribute(
        lambda a: a.participant.cohort.orientation_end + datetime.timedelta(days=3)
    )
    end = factory.LazyAttribute(lambda a: a.start + datetime.timedelta(days=27))
    status = Attachment.Status.CONFIRMED
    # Confirmed means published; a draft (proposed) never was.
    published_at = factory.LazyAttribute(
        lambda a: timezone.now() if a.status == Attachment.Status.CONFIRMED else None
    )
    supervisor = "Ms Supervisor"


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    cohort = factory.SubFactory(CohortFactory)
    kind = Activity.Kind.DEPARTMENTAL_BRIEFING
    title = factory.Sequence(lambda n: f"Briefing {n}")
    starts_at = factory.LazyAttribute(
        lambda a: timezone.make_aware(
            datetime.datetime.combine(a.cohort.orientation_start, datetime.time(9, 30))
        )
    )
    ends_at = factory.LazyAttribute(lambda a: a.starts_at + datetime.timedelta(hours=2))
    location = "Civil Service College"
    audience = Activity.Audience.COHORT
