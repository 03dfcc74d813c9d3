"""Automated mail over real SMTP: the headers that keep auto-responders quiet, say the language and
the Hong Kong date, and a Chinese subject that folds without a leading space.

Mail goes through Django's SMTP backend to the aiosmtpd server of the worker tests, and the
headers are parsed from the bytes that server received.
"""

import datetime
import email
import email.policy
import email.utils
import re

import pytest

from exchange.notifications import services
from participants.notices import ParticipantKind
from placements.notices import PlacementKind
from tests.exchange.celery_harness import SmtpSink
from tests.exchange.notification_factories import make_notification
from tests.factories import (
    AttachmentFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


class RawSink(SmtpSink):
    """Keeps the bytes as received, so folding is judged on the wire, not after re-rendering."""

    def __init__(self):
        super().__init__()
        self.raw: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.content)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(scope="module")
def sink():
    server = RawSink().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(sink, settings):
    sink.reset()
    sink.raw.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return sink


def received(smtp) -> tuple[bytes, email.message.EmailMessage]:
    (raw,) = smtp.raw
    return raw, email.message_from_bytes(raw, policy=email.policy.default)


@pytest.fixture
def attachment():
    department = HostDepartmentFactory(
        abbreviation="PLAND",
        name_en="Planning Department",
        name_zh_hant="規劃署",
        name_zh_hans="规划署",
    )
    participant = ParticipantFactory(
        name_en="Chen Minghui", name_zh="陳明輝", user=UserFactory(), preferred_language="zh-hant"
    )
    return AttachmentFactory(
        participant=participant,
        department=department,
        start=datetime.date(2026, 12, 14),
        end=datetime.date(2027, 1, 29),
    )


@pytest.mark.parametrize(
    ("language", "tag"), [("en", "en"), ("zh-hant", "zh-Hant"), ("zh-hans", "zh-Hans")]
)
def test_every_mail_says_it_is_automatic_its_language_and_the_hong_kong_date(smtp, language, tag):
    notice = make_notification(ParticipantKind.ORIENTATION_NOTICE, language=language)
    assert services.notification_send(notification_id=notice.pk).status == "sent"
    raw, message = received(smtp)

    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["Content-Language"] == tag
    assert re.search(rb"^Date: .* \+0800\r?$", raw, re.MULTILINE)
    sent = email.utils.parsedate_to_datetime(message["Date"])
    assert sent.utcoffset() == datetime.timedelta(hours=8)
    assert abs(sent - notice.created_at) < datetime.timedelta(minutes=5)
    assert int(message["X-Exchange-Notification"]) == notice.pk


@pytest.mark.parametrize("language", ["zh-hant", "zh-hans"])
def test_a_liaisons_chinese_subject_names_the_official_and_folds_without_a_leading_space(
    smtp, attachment, language
):
    liaison = UserFactory()
    attachment.department.liaisons.add(liaison)
    notice = make_notification(
        PlacementKind.ATTACHMENT_CHANGED,
        participant=attachment.participant,
        related=attachment,
        recipient=liaison,
        language=language,
    )
    assert services.notification_send(notification_id=notice.pk).status == "sent"
    raw, message = received(smtp)

    subject = message["Subject"]
    assert "Chen Minghui 陳明輝" in subject
    assert "PLAND" in subject
    assert not subject.startswith(" ")
    assert subject == " ".join(subject.split())
    # On the wire: long enough to fold, and the first encoded word is on the Subject's own line.
    header = re.search(rb"^Subject:(.*?)\r?\n(?=\S)", raw, re.MULTILINE | re.DOTALL).group(1)
    assert header.startswith(b" =?utf-8?")
    assert re.search(rb"\r?\n =\?utf-8\?", header), "expected a folded subject"
    assert all(len(line) <= 78 for line in raw.split(b"\n") if line.startswith(b"Subject"))
    assert message["Content-Language"] == {"zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}[language]


def test_the_officials_own_subject_does_not_repeat_their_name(smtp, attachment):
    notice = make_notification(
        PlacementKind.ATTACHMENT_CHANGED,
        participant=attachment.participant,
        related=attachment,
        language="en",
    )
    assert services.notification_send(notification_id=notice.pk).status == "sent"
    _raw, message = received(smtp)
    assert message["Subject"].startswith("Attachment changed: PLAND, ")
    assert "Chen Minghui" not in message["Subject"]
