"""The REST API: thin views over the selectors and services the pages use.

Each list and object is loaded through the selector scoped to the user asking (a liaison's token
sees its departments' attachees, a participant only themself, coordinators everything), so an
object out of reach is a 404. Writes are the coordinators' and call the placement services, with
their rules, locks and messages.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from exchange.selectors import cohorts_visible_to, departments_for_cohort
from participants.selectors import participants_visible_to
from placements.selectors import (
    activities_visible_to,
    attachments_visible_to,
    departments_visible_to,
    live_attachments,
)
from placements.services import (
    attachment_cancel,
    attachment_confirm,
    attachment_create,
    attachment_update,
)

from .permissions import CoordinatorWrites
from .serializers import (
    ActivitySerializer,
    AttachmentCancelSerializer,
    AttachmentCreateSerializer,
    AttachmentFilterSerializer,
    AttachmentSerializer,
    AttachmentWriteSerializer,
    CohortSerializer,
    DepartmentSerializer,
    ListFilterSerializer,
    ParticipantSerializer,
)

NO_SUCH_ADDRESS = _("The API has no such address.")
NO_SUCH_PARTICIPANT = _("No official with this id is in your reach.")
NO_SUCH_DEPARTMENT = _("This host department has no seats in the official's cohort.")


def _filters(request, serializer_class=ListFilterSerializer) -> dict:
    filters = serializer_class(data=request.query_params)
    filters.is_valid(raise_exception=True)
    return filters.validated_data


class ScopedViewSet(viewsets.GenericViewSet):
    """The one gate of every operation: signed in (token or session) to read, a coordinator to
    write (`CoordinatorWrites`); then every object comes through `scoped()`, the selector the
    pages use for this user, so one out of reach is a 404. Lists validate their filters first."""

    permission_classes = [CoordinatorWrites]
    filter_serializer = ListFilterSerializer

    def filtered(self, queryset, filters):
        return queryset

    def get_queryset(self):
        queryset = self.scoped(user=self.request.user)
        if self.action == "list":
            queryset = self.filtered(queryset, _filters(self.request, self.filter_serializer))
        return queryset


@extend_schema_view(
    list=extend_schema(parameters=[ListFilterSerializer], summary="Cohorts you may see"),
    retrieve=extend_schema(summary="A cohort"),
)
class CohortViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = CohortSerializer
    filter_serializer = ListFilterSerializer

    def scoped(self, *, user):
        return cohorts_visible_to(user=user).order_by("-orientation_start", "pk")

    def filtered(self, queryset, filters):
        if "cohort" in filters:
            queryset = queryset.filter(pk=filters["cohort"])
        if "department" in filters:
            queryset = queryset.filter(host_capacities__department_id=filters["department"])
        return queryset


@extend_schema_view(
    list=extend_schema(parameters=[ListFilterSerializer], summary="Host departments"),
    retrieve=extend_schema(summary="A host department"),
)
class DepartmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = DepartmentSerializer

    def scoped(self, *, user):
        return departments_visible_to(user=user).select_related("city").order_by("abbreviation")

    def filtered(self, queryset, filters):
        if "cohort" in filters:
            queryset = queryset.filter(capacities__cohort_id=filters["cohort"])
        if "department" in filters:
            queryset = queryset.filter(pk=filters["department"])
        return queryset


@extend_schema_view(
    list=extend_schema(parameters=[ListFilterSerializer], summary="Officials you may see"),
    retrieve=extend_schema(summary="An official"),
)
class ParticipantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = ParticipantSerializer

    def scoped(self, *, user):
        return (
            participants_visible_to(user=user)
            .select_related("home_city")
            .order_by("cohort_id", "name_en", "pk")
        )

    def filtered(self, queryset, filters):
        if "cohort" in filters:
            queryset = queryset.filter(cohort_id=filters["cohort"])
        if "department" in filters:
            queryset = queryset.filter(
                pk__in=live_attachments()
                .filter(department_id=filters["department"])
                .values("participant_id")
            )
        return queryset


@extend_schema_view(
    list=extend_schema(parameters=[ListFilterSerializer], summary="Activities you may see"),
    retrieve=extend_schema(summary="An activity"),
)
class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = ActivitySerializer

    def scoped(self, *, user):
        return activities_visible_to(user=user).order_by("starts_at", "pk")

    def filtered(self, queryset, filters):
        if "cohort" in filters:
            queryset = queryset.filter(cohort_id=filters["cohort"])
        if "department" in filters:
            queryset = queryset.filter(department_id=filters["department"])
        return queryset


@extend_schema_view(
    list=extend_schema(parameters=[AttachmentFilterSerializer], summary="Attachments"),
    retrieve=extend_schema(summary="An attachment"),
    create=extend_schema(
        summary="Assign an official to a host department",
        request=AttachmentCreateSerializer,
        responses={201: AttachmentSerializer},
    ),
    partial_update=extend_schema(
        summary="Change an attachment's department, dates or details",
        request=AttachmentWriteSerializer,
        responses={200: AttachmentSerializer},
    ),
)
class AttachmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ScopedViewSet,
):
    serializer_class = AttachmentSerializer
    filter_serializer = AttachmentFilterSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped(self, *, user):
        return (
            attachments_visible_to(user=user)
            .select_related("participant__cohort", "department")
            .order_by("start", "pk")
        )

    def filtered(self, queryset, filters):
        if "cohort" in filters:
            queryset = queryset.filter(participant__cohort_id=filters["cohort"])
        if "department" in filters:
            queryset = queryset.filter(department_id=filters["department"])
        if "status" in filters:
            queryset = queryset.filter(status=filters["status"])
        return queryset

    def _department(self, pk, cohort):
        department = departments_for_cohort(cohort).filter(pk=pk).first()
        if department is None:
            raise ValidationError({"department": [NO_SUCH_DEPARTMENT]})
        return department

    def _answer(self, attachment, code=status.HTTP_200_OK):
        fresh = self.scoped(user=self.request.user).get(pk=attachment.pk)
        return Response(AttachmentSerializer(fresh).data, status=code)

    def create(self, request, *args, **kwargs):
        data = self._valid(AttachmentCreateSerializer)
        participant = (
            participants_visible_to(user=request.user)
            .select_related("cohort")
            .filter(pk=data["participant"])
            .first()
        )
        if participant is None:
            raise ValidationError({"participant": [NO_SUCH_PARTICIPANT]})
        attachment = attachment_create(
            participant=participant,
            department=self._department(data["department"], participant.cohort),
            start=data["start"],
            end=data["end"],
            by=request.user,
            confirmed=data["confirmed"],
            supervisor=data.get("supervisor", ""),
            supervisor_email=data.get("supervisor_email", ""),
            notes=data.get("notes", ""),
        )
        return self._answer(attachment, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        attachment = self.get_object()
        data = self._valid(AttachmentWriteSerializer, partial=True)
        department = attachment.department
        if "department" in data:
            department = self._department(data["department"], attachment.participant.cohort)
        updated = attachment_update(
            attachment=attachment,
            by=request.user,
            department=department,
            start=data.get("start", attachment.start),
            end=data.get("end", attachment.end),
            supervisor=data.get("supervisor"),
            supervisor_email=data.get("supervisor_email"),
            notes=data.get("notes"),
        )
        return self._answer(updated)

    @extend_schema(
        summary="Cancel an attachment (its seat is free at once)",
        request=AttachmentCancelSerializer,
        responses={200: AttachmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        attachment = self.get_object()
        data = self._valid(AttachmentCancelSerializer)
        cancelled = attachment_cancel(attachment=attachment, by=request.user, reason=data["reason"])
        return self._answer(cancelled)

    @extend_schema(
        summary="Publish a draft attachment (the official and the liaisons are told)",
        request=None,
        responses={200: AttachmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        attachment = self.get_object()
        return self._answer(attachment_confirm(attachment=attachment, by=request.user))

    def _valid(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Every address under /api/ that no operation answers: a JSON 404, like the API's others,
    whoever asks (the site's own 404 page is HTML)."""

    authentication_classes = []
    permission_classes = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound(NO_SUCH_ADDRESS)
