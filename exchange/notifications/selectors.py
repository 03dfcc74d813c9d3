"""Reads of notifications, scoped to who is asking."""

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Count, Q, QuerySet

from exchange import notice_registry as registry
from exchange.models import Cohort, Notification
from exchange.roles import is_coordinator
from exchange.selectors import cohorts_visible_to


def with_related(queryset: QuerySet[Notification]) -> QuerySet[Notification]:
    """Load what each row is about, and what its subject names, in one query per kind of object."""
    return queryset.prefetch_related(
        GenericPrefetch("related_object", registry.related_querysets())
    )


def notifications_readable(notifications) -> set[int]:
    """The pks of these notices whose recipient may still see what each is about. The rest show
    their snapshot only. Each check runs once for the page: kinds that share one (an attachment's
    notices and reminders, an activity's) are checked together."""
    by_check: dict[object, tuple[object, list[Notification]]] = {}
    for notification in notifications:
        notice_type = registry.type_for(notification.kind)
        check = type(notice_type).readable
        by_check.setdefault(check, (notice_type, []))[1].append(notification)
    readable: set[int] = set()
    for notice_type, rows in by_check.values():
        readable |= notice_type.readable(rows)
    return readable


def notifications_for(*, user) -> QuerySet[Notification]:
    """A user's own notices (in-app list): everyone sees only their own."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).exclude(status=Notification.Status.CANCELLED)


def notification_unread_count(*, user) -> int:
    return notifications_for(user=user).filter(read_at__isnull=True).count()


def outbox_cohorts_for(*, user) -> QuerySet[Cohort]:
    """The cohorts whose outbox the user may watch: coordinators' and admins' only."""
    if not is_coordinator(user):
        return Cohort.objects.none()
    return cohorts_visible_to(user=user)


def outbox_notifications_for(*, user) -> QuerySet[Notification]:
    """Notices a coordinator may re-send: those of the cohorts they may watch."""
    return Notification.objects.filter(cohort__in=outbox_cohorts_for(user=user))


def cohort_outbox(*, cohort: Cohort, status: str | None = None) -> QuerySet[Notification]:
    rows = Notification.objects.filter(cohort=cohort).select_related("recipient")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-scheduled_at", "-pk")


def cohort_outbox_counts(*, cohort: Cohort) -> dict[str, int]:
    """How many notices of the cohort are in each status, in one query."""
    statuses = Notification.Status.values
    counts = Notification.objects.filter(cohort=cohort).aggregate(
        total=Count("pk"), **{s: Count("pk", filter=Q(status=s)) for s in statuses}
    )
    return counts
