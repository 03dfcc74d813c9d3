"""Hypothesis strategies for malformed input: values no field should choke on, and per form field
a mix of the value the page would send, a wrong one and a missing one.

Values are as wild as a hostile user's: dates of any year, reminder offsets of any size, formset
counts in the billions (the forms, services and validators refuse them). File uploads are left to
the nominations import's own corpus of malformed spreadsheets (tests/participants/corpus.py).
"""

import datetime
import re
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from hypothesis import strategies as st

# Any year a date field can read, any offset, any formset count: each is refused where it is wrong.
FIRST_YEAR, LAST_YEAR = 1, 9999
REMINDER_DAYS = (0, 99_999_999_999)
MAX_FORMS = 999_999_999

NASTY = [
    "",
    " ",
    "NaN",
    "null",
    "None",
    "undefined",
    "true",
    "-1",
    "0",
    "1.5",
    "1e309",
    "-0",
    "0x1F",
    "99999999999999999999",
    "-99999999999999999999",
    "9223372036854775808",
    "[]",
    "{}",
    "' OR 1=1 --",
    '"><script>alert(1)</script>',
    "{{ 7*7 }}",
    "%(name)s",
    "{name}",
    "%",
    "%00",
    "\\",
    "../../etc/passwd",
    "/cohorts/",
    "//evil.example.org/",
    "javascript:alert(1)",
    "\u202eevil",
    "\u200b",
    "😀",
    "中文",
    "é",
    "\r\n",
    "\t",
    "a\x00b",  # refused as a whole by the middleware
    "a" * 5000,
    "2027-02-30",
    "2027-13-01",
    "2027-03-01T25:61",
    "31/12/2027",
    ",,,",
    "7,,1",
]

_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00"),
    max_size=40,
)

_DATE_FIELD, _DATETIME_FIELD = forms.DateField(), forms.DateTimeField()


def out_of_range(value) -> bool:
    """Whether a generated value would be read as a date outside FIRST_YEAR..LAST_YEAR."""
    values = value if isinstance(value, list) else [value]
    for text in values:
        if not isinstance(text, str) or not any(char.isdigit() for char in text):
            continue
        for parser in (_DATE_FIELD, _DATETIME_FIELD):
            try:
                parsed = parser.to_python(text)
            except (ValidationError, ValueError, OverflowError):
                continue
            if parsed is not None and not FIRST_YEAR <= parsed.year <= LAST_YEAR:
                return True
    return False


def nasty() -> st.SearchStrategy:
    return st.one_of(st.sampled_from(NASTY), _text).filter(lambda v: not out_of_range(v))


def _dates():
    return st.dates(datetime.date(FIRST_YEAR, 1, 1), datetime.date(LAST_YEAR, 12, 31))


def date_values():
    return st.one_of(_dates().map(datetime.date.isoformat), nasty())


def datetime_values():
    moments = st.datetimes(
        datetime.datetime(FIRST_YEAR, 1, 1), datetime.datetime(LAST_YEAR, 12, 31, 23, 59)
    )
    return st.one_of(
        moments.map(lambda m: m.strftime("%Y-%m-%dT%H:%M")),
        moments.map(lambda m: m.strftime("%Y-%m-%d %H:%M:%S")),
        nasty(),
    )


def time_values():
    return st.one_of(st.times().map(lambda t: t.strftime("%H:%M:%S")), nasty())


def integer_values():
    return st.one_of(
        st.integers(-3, 400).map(str),
        st.sampled_from(["32767", "32768", "2147483648", "-32769", "1" + "0" * 25]),
        nasty(),
    )


def _reminder_ok(text: str) -> bool:
    """Keep generated reminder offsets that read as numbers within REMINDER_DAYS."""
    numbers = re.findall(r"\d+", text) if re.fullmatch(r"[\s\d,+-]*", text) else []
    try:
        numbers = numbers or [str(int(text.strip()))]
    except ValueError:
        return True
    low, high = REMINDER_DAYS
    return all(low <= int(number) <= high for number in numbers)


def reminder_values(many: bool):
    low, high = REMINDER_DAYS
    days = st.integers(low, high)
    good = (
        st.lists(days, min_size=1, max_size=4).map(lambda ds: ",".join(map(str, ds)))
        if many
        else days.map(str)
    )
    return st.one_of(good, nasty().filter(_reminder_ok))


def form_count_values():
    # TOTAL_FORMS and its kin up to a billion: the formsets' absolute_max refuses them at once.
    return st.one_of(
        st.integers(0, MAX_FORMS).map(str),
        nasty().filter(lambda v: not v.strip().lstrip("+-").isdigit()),
    )


def email_values():
    return st.one_of(st.emails().map(str), nasty())


@dataclass
class FieldSpec:
    """One input of a rendered form: its name in the posted data, the form field, the value the
    page itself would send, and the valid choices if it has any."""

    name: str
    field: object
    initial: object = None
    choices: list = field(default_factory=list)
    subnames: list = field(default_factory=list)  # a MultiWidget's inputs (name_0, name_1)


def malformed(spec: FieldSpec) -> st.SearchStrategy:
    """Wrong values for one form field, of the kind its type invites."""
    form_field, name = spec.field, spec.name
    wrong_choices = st.one_of(st.sampled_from(["0", "-1", "999999", "abc"]), nasty())
    if name.endswith(("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")):
        return form_count_values()
    if name.endswith("orientation_reminder_days"):
        return reminder_values(many=True)
    if name.endswith("_reminder_days"):
        return reminder_values(many=False)
    if isinstance(form_field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        one = st.one_of(st.sampled_from(spec.choices or ["1"]), wrong_choices)
        return st.lists(one, max_size=4)
    if isinstance(form_field, forms.ChoiceField | forms.ModelChoiceField):
        return wrong_choices
    if isinstance(form_field, forms.BooleanField | forms.NullBooleanField):
        return st.one_of(st.sampled_from(["on", "off", "false", "2", "unknown"]), nasty())
    if isinstance(form_field, forms.DateTimeField):
        return datetime_values()
    if isinstance(form_field, forms.DateField):
        return date_values()
    if isinstance(form_field, forms.TimeField):
        return time_values()
    if isinstance(form_field, forms.IntegerField | forms.FloatField | forms.DecimalField):
        return integer_values()
    if isinstance(form_field, forms.EmailField):
        return email_values()
    if isinstance(form_field, forms.JSONField):
        return st.one_of(st.sampled_from(["{", "[1,", '{"a": NaN}', "1" * 400]), nasty())
    return nasty()


def valid_value(spec: FieldSpec) -> st.SearchStrategy:
    """What the page itself would send for the field: its initial value, or another valid
    choice. `None` leaves the field out."""
    keep = st.just(spec.initial if spec.initial not in ("", []) else None)
    if not spec.choices:
        return keep
    if isinstance(spec.field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return st.one_of(keep, st.lists(st.sampled_from(spec.choices), max_size=3, unique=True))
    return st.one_of(keep, st.sampled_from(spec.choices))


def field_value(spec: FieldSpec) -> st.SearchStrategy:
    """Any value for the field: a valid one, a wrong one, or none."""
    return st.one_of(valid_value(spec), malformed(spec), st.just(None))


@st.composite
def form_data(draw, specs: list[FieldSpec]):
    """A whole post for the forms of a page: what the page would send, with none, one, a few or
    many inputs given wrong values or left out, a `next`, and inputs the page does not have."""
    names = [spec.name for spec in specs if spec.field is not None]
    spoiled = set()
    if names:
        count = draw(st.sampled_from([0, 1, 1, 2, 3, len(names)]))
        spoiled = set(draw(st.lists(st.sampled_from(names), max_size=count, unique=True)))
    data = {}
    for spec in specs:
        if spec.field is None:
            continue
        if spec.name in spoiled:
            value = draw(st.one_of(malformed(spec), st.just(None)))
        else:
            value = draw(valid_value(spec))
        if value is None:
            continue
        if spec.subnames:
            # A split date and time (the admin's): the date, and a time, in their two inputs.
            text = value if isinstance(value, str) else str(value)
            data[spec.subnames[0]] = text.split("T")[0].split(" ")[0]
            data[spec.subnames[1]] = draw(st.one_of(st.just("09:30:00"), time_values()))
        else:
            data[spec.name] = value
    extra = draw(
        st.dictionaries(
            st.sampled_from(["next", "id", "pk", "cohort", "status", "user", "by", "_save"]),
            st.one_of(nasty(), st.sampled_from(["/", "/cohorts/", "1"])),
            max_size=2,
        )
    )
    return {**extra, **data} if draw(st.booleans()) else {**data, **extra}


COMMON_GET_PARAMS = [
    "q",
    "page",
    "view",
    "date",
    "status",
    "department",
    "city",
    "home_city",
    "cohort",
    "assignment",
    "download_token",
    "next",
    "o",
    "fmt",
    "language",
]


@st.composite
def query_data(draw, specs: list[FieldSpec]):
    """Address parameters: a few of those the page's filter forms have and of the common ones,
    with valid, malformed or repeated values."""
    by_name = {spec.name: spec for spec in specs}
    names = sorted(set(COMMON_GET_PARAMS) | set(by_name))

    def value_for(name):
        if name in by_name:
            return field_value(by_name[name])
        if name == "page":
            return st.one_of(st.sampled_from(["1", "2", "last", "0", "-1", "99999999999"]), nasty())
        if name == "date":
            return date_values()
        if name == "view":
            return st.one_of(st.sampled_from(["list", "month", "week"]), nasty())
        return nasty()

    data = {}
    for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
        value = draw(st.one_of(value_for(name), st.lists(value_for(name), min_size=2, max_size=3)))
        if isinstance(value, list):
            value = [v for v in value if v is not None]
        if value not in (None, []):
            data[name] = value
    return data
