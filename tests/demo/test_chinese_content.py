"""Must hold (issue 12): every page, mail and feed an official sees is Chinese all the way down
in zh-hans and zh-hant for the demo data, labels and content alike. English is detected as runs
of Latin letters in the visible text (and the attributes read aloud); only the names of things
that have no Chinese name may stay."""

import datetime
import re
from html.parser import HTMLParser

import icalendar
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from demo.seed import DEMO_COHORT_NAME
from exchange.models import Cohort
from exchange.notifications.messages import build_email
from participants.models import Participant
from participants.notices import ParticipantKind
from placements.models import Activity, Attachment
from placements.notices import PlacementKind
from tests.exchange.notification_factories import make_notification

pytestmark = pytest.mark.django_db

CHINESE = ["zh-hans", "zh-hant"]

# Names with no Chinese form that the pages show as they are: the host departments'
# abbreviations, UTC, the calendar file type (.ics), and "English" as the language
# switcher names it.
ALLOWED = {
    *("CMAB", "DPO", "EPD", "HyD", "HKMA", "ITC", "InvestHK", "PlanD", "TID", "TD"),
    *("UTC", "ics", "English"),
}
# Not words: addresses, mail addresses, a feed token, a time zone id, a phone number.
NOT_TEXT = re.compile(
    r"https?://\S+|/\S*\.ics\b|[\w.+-]+@[\w.-]+|\b[A-Za-z0-9_-]{32,64}\b|Asia/Hong_Kong|\+\d[\d ]+"
)
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]+")
READ_ALOUD = {"title", "aria-label", "placeholder", "alt"}


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes outside script, style and head, and the
    attributes screen readers read."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "head", "template"}:
            self.hidden += 1
        for name, value in attrs:
            if name in READ_ALOUD and value:
                self.parts.append(value)
        if tag == "input":
            attributes = dict(attrs)
            if attributes.get("type") in {"submit", "button"} and attributes.get("value"):
                self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in {"script", "style", "head", "template"}:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def english_in(text: str, *, allowed=()) -> list[str]:
    """The English words of `text`, each with a little of the text around it."""
    text = " ".join(NOT_TEXT.sub(" ", text).split())
    return [
        f"{match.group()} (…{text[max(match.start() - 30, 0) : match.end() + 30]}…)"
        for match in LATIN.finditer(text)
        if match.group() not in ALLOWED and match.group() not in allowed
    ]


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--cohort-start", "2026-12-07", "--quiet-logins")
    cohort = Cohort.objects.get(name_en=DEMO_COHORT_NAME)
    # An official with a published attachment, and departmental activities on their schedule.
    attachment = (
        Attachment.objects.filter(
            participant__cohort=cohort,
            status=Attachment.Status.CONFIRMED,
            department__activities__isnull=False,
        )
        .select_related("participant__user")
        .order_by("participant__pk")
        .first()
    )
    official = attachment.participant
    activity = Activity.objects.filter(cohort=cohort, department=attachment.department).first()
    return official, attachment, activity


def related_of(kind, official, attachment, activity):
    if kind in {ParticipantKind.ORIENTATION_NOTICE, ParticipantKind.ORIENTATION_REMINDER}:
        return official
    if kind in {PlacementKind.ACTIVITY_REMINDER, PlacementKind.ACTIVITY_CHANGED}:
        return activity
    if kind == PlacementKind.PLACEMENT_PUBLISHED:
        return official
    return attachment


OFFICIAL_KINDS = [
    ParticipantKind.ORIENTATION_NOTICE,
    ParticipantKind.ORIENTATION_REMINDER,
    PlacementKind.ATTACHMENT_CREATED,
    PlacementKind.ATTACHMENT_CHANGED,
    PlacementKind.ATTACHMENT_CANCELLED,
    PlacementKind.ATTACHMENT_START_REMINDER,
    PlacementKind.ATTACHMENT_END_REMINDER,
    PlacementKind.ACTIVITY_REMINDER,
    PlacementKind.ACTIVITY_CHANGED,
    PlacementKind.PLACEMENT_PUBLISHED,
]


def notices_for(official, attachment, activity, language):
    return [
        make_notification(
            kind,
            participant=official,
            related=related_of(kind, official, attachment, activity),
            language=language,
            dedupe_key=f"zh-test:{kind}:{language}",
        )
        for kind in OFFICIAL_KINDS
    ]


@pytest.mark.parametrize("language", CHINESE)
def test_every_official_page_is_chinese(client, demo, language):
    official, attachment, activity = demo
    notices = notices_for(official, attachment, activity, language)
    client.force_login(official.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    day = attachment.start.isoformat()
    pages = [
        reverse("home"),
        reverse("placements:my_schedule"),
        f"{reverse('placements:my_schedule')}?view=month&date={day}",
        f"{reverse('placements:my_schedule')}?view=week&date={day}",
        f"{reverse('placements:my_schedule')}?view=week&date={official.cohort.orientation_start}",
        reverse("placements:participant_schedule_print", args=[official.pk]),
        reverse("participants:my_profile"),
        reverse("notifications:notification_list"),
        *(reverse("notifications:notification_detail", args=[n.pk]) for n in notices),
        reverse("account"),
        reverse("password_change"),
    ]
    # The official's own passport name and login are facts of their profile, shown as entered.
    own_name = {*official.name_en.split(), official.user.username}
    for page in pages:
        response = client.get(page, follow=True)
        assert response.status_code == 200, page
        body = response.content.decode()
        assert f'lang="{language}"' in body
        text = visible_text(body)
        assert english_in(text, allowed=own_name) == [], page
    # The top bar greets the official by their Chinese name.
    body = client.get(reverse("placements:my_schedule")).content.decode()
    assert official.name_zh in visible_text(body)
    opening = Activity.objects.get(cohort=official.cohort, title_en__startswith="Opening")
    week = client.get(
        reverse("placements:my_schedule"),
        {"view": "week", "date": official.cohort.orientation_start.isoformat()},
    ).content.decode()
    assert (opening.title_zh_hans if language == "zh-hans" else opening.title_zh_hant) in week


@pytest.mark.parametrize("language", CHINESE)
def test_every_mail_to_an_official_is_chinese(demo, language):
    official, attachment, activity = demo
    for notice in notices_for(official, attachment, activity, language):
        mail = build_email(notice, notice.related_object)
        html = mail.alternatives[0].content
        for part in (mail.subject, mail.body, visible_text(html)):
            assert english_in(part) == [], (notice.kind, part)
        assert mail.body.startswith(official.name_zh), notice.kind


@pytest.mark.parametrize("language", CHINESE)
def test_the_calendar_feed_is_chinese(client, demo, language):
    official, attachment, activity = demo
    Participant.objects.filter(pk=official.pk).update(preferred_language=language)
    response = client.get(reverse("placements:calendar_feed", args=[official.calendar_token]))
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    assert official.name_zh in str(calendar["X-WR-CALNAME"])
    assert english_in(str(calendar["X-WR-CALNAME"])) == []
    events = list(calendar.walk("VEVENT"))
    assert len(events) > 15
    for event in events:
        for field in ("SUMMARY", "LOCATION", "DESCRIPTION"):
            if field in event:
                assert english_in(str(event[field])) == [], (field, str(event[field]))
    summaries = {str(event["SUMMARY"]) for event in events}
    opening = Activity.objects.get(cohort=official.cohort, title_en__startswith="Opening")
    expected = opening.title_zh_hans if language == "zh-hans" else opening.title_zh_hant
    assert expected in summaries


def test_the_checker_finds_english():
    """The detector itself: English words in text or in what is read aloud are found, the
    allowed names and addresses are not."""
    html = (
        "<html><head><title>Skip</title></head><body><p>日程 Briefing：DPO</p>"
        '<a href="https://x.example/me" aria-label="Open">打开</a>'
        "<script>var hidden = 1;</script><p>chen@example.org +86 755 1234</p></body></html>"
    )
    found = [word.split()[0] for word in english_in(visible_text(html))]
    assert found == ["Briefing", "Open"]
    assert english_in("入职导向周 " + datetime.date(2026, 12, 7).isoformat()) == []
