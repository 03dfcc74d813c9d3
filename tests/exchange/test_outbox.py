import pytest

from exchange.models import Notification
from participants import notices as participant_notices
from placements import notices as placement_notices
from tests.factories import AttachmentFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_orientation_notice_is_recorded_once_in_the_participants_language():
    participant = ParticipantFactory(user=UserFactory(), preferred_language="zh-hant")
    assert participant_notices.notices_for_participant_confirmed(participant=participant) == 1
    assert participant_notices.notices_for_participant_confirmed(participant=participant) == 0
    notice = Notification.objects.get()
    assert notice.kind == "orientation_notice"
    assert notice.recipient == participant.user
    assert notice.language == "zh-hant"
    assert notice.status == "pending"
    assert notice.related_object == participant


def test_attachment_notices_go_to_the_official_and_the_liaisons():
    attachment = AttachmentFactory(participant=ParticipantFactory(user=UserFactory()))
    liaison = UserFactory()
    attachment.department.liaisons.add(liaison)
    assert placement_notices.notices_for_attachment(attachment=attachment, event="created") == 2
    assert placement_notices.notices_for_attachment(attachment=attachment, event="created") == 0
    recipients = set(Notification.objects.values_list("recipient", flat=True))
    assert recipients == {attachment.participant.user_id, liaison.pk}
    assert {n.language for n in Notification.objects.filter(recipient=liaison)} == {"en"}


def test_a_participant_without_an_account_gets_no_row():
    participant = ParticipantFactory(user=None)
    assert participant_notices.notices_for_participant_confirmed(participant=participant) == 0
    assert not Notification.objects.exists()
