"""What the API shows of each object, and what it accepts. Reading only: every write goes
through a service of the app that owns the data (see views.py), never `serializer.save()`."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from exchange.models import Cohort, HostDepartment
from participants.models import Participant
from placements.models import Activity, Attachment

# Ids are bigint columns: a larger number is nobody's, and is refused before any query.
MAX_ID = 2**63 - 1


class ErrorSerializer(serializers.Serializer):
    """Every refusal: a reason for people, and the reasons per field where there are some."""

    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class CohortSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cohort
        fields = [
            "id",
            "name",
            "direction",
            "status",
            "orientation_start",
            "orientation_end",
            "orientation_venue",
            "min_stay_days",
            "max_stay_days",
        ]
        read_only_fields = fields


class DepartmentSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="city.code", read_only=True)

    class Meta:
        model = HostDepartment
        fields = ["id", "abbreviation", "name", "city", "address", "is_active"]
        read_only_fields = fields


class ParticipantSerializer(serializers.ModelSerializer):
    home_city = serializers.CharField(source="home_city.code", read_only=True)

    class Meta:
        model = Participant
        fields = [
            "id",
            "cohort",
            "name_en",
            "name_zh",
            "home_city",
            "home_organisation",
            "post_title",
            "rank",
            "email",
            "phone",
            "preferred_language",
            "status",
        ]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    cohort = serializers.IntegerField(source="participant.cohort_id", read_only=True)
    # Often blank: a plain string, so that "" is as valid in the schema as in the table.
    supervisor_email = serializers.CharField(read_only=True)

    class Meta:
        model = Attachment
        fields = [
            "id",
            "participant",
            "cohort",
            "department",
            "start",
            "end",
            "status",
            "supervisor",
            "supervisor_email",
            "notes",
            "published_at",
            "updated_at",
        ]
        read_only_fields = fields


class ActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = [
            "id",
            "cohort",
            "kind",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "location",
            "department",
            "audience",
            "status",
        ]
        read_only_fields = fields


class ListFilterSerializer(serializers.Serializer):
    """The filters of the lists: by cohort and by host department (ids)."""

    cohort = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text=_("A cohort's id.")
    )
    department = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text=_("A host department's id.")
    )


class AttachmentFilterSerializer(ListFilterSerializer):
    status = serializers.ChoiceField(choices=Attachment.Status.choices, required=False)


class AttachmentWriteSerializer(serializers.Serializer):
    """Change an attachment: every field may be left out to keep its value."""

    department = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    start = serializers.DateField()
    end = serializers.DateField()
    supervisor = serializers.CharField(max_length=200, allow_blank=True, required=False)
    supervisor_email = serializers.EmailField(max_length=254, allow_blank=True, required=False)
    notes = serializers.CharField(max_length=5000, allow_blank=True, required=False)


class AttachmentCreateSerializer(AttachmentWriteSerializer):
    """Assign an official: a draft unless `confirmed` (then published at once, and told)."""

    participant = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    confirmed = serializers.BooleanField(default=False)


class AttachmentCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=80, allow_blank=True, required=False, default="")
