"""The stored form of a plan suggestion (`PlanSuggestion.rows` and `.unplaced`), and the reasons
of its rows written in the reader's language.

A row is one suggested attachment, a JSON object with the keys:

- `id`: its number in the suggestion (0, 1, ...), to accept it by;
- `participant`, `name`: the official (primary key, English name);
- `department`, `abbreviation`: the host department (primary key, abbreviation);
- `start`, `end`: ISO dates, both days included;
- `score`: the row's share of the official's score; `official_score`: the official's score;
- `choice`: what the department is to the official, `{"kind": "rank", "rank": 2}`,
  `{"kind": "focus", "rank": null}` or `{"kind": "none", "rank": null}`;
- `part`, `parts`: 1 of 1, or 1 and 2 of 2 for the halves of a rotation;
- `plan`: every part of the official's suggested stay, as `[department, start, end]`;
- `blocked`: the departments that would have scored more and why the official does not have
  them: `{"abbreviation", "choice", "why", "week_start", "week_end"}` with `why` one of `full`
  (every seat taken in that week), `no_seats` or `inactive`;
- `replaces`: the official's draft attachments a full re-plan replaces (their ids);
- `state`: `suggested`, `accepted` or `refused`; `attachment`: the id written on acceptance;
  `errors`: why it was refused.

An official left out (`unplaced`) has `participant`, `name`, `why` (`no_seat`, `no_weeks` or
`stopped`), `min_weeks` and `blocked` as above.
"""

import datetime
from typing import TYPE_CHECKING

from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # the solver (numpy, HiGHS) is not loaded with the models that read rows
    from . import planning

# The solver's words, as stored (tests/placements/test_planning_services.py keeps them equal).
RANK, FOCUS = "rank", "focus"
FULL, INACTIVE = "full", "inactive"
NO_WEEKS, STOPPED = "no_weeks", "stopped"

SUGGESTED = "suggested"
ACCEPTED = "accepted"
REFUSED = "refused"

RANK_LABELS = {
    1: _("1st choice"),
    2: _("2nd choice"),
    3: _("3rd choice"),
    4: _("4th choice"),
    5: _("5th choice"),
}
FOCUS_LABEL = _("Shared focus area")
NONE_LABEL = _("Neither a choice nor a shared focus area")


def _choice_json(choice: "planning.Choice") -> dict:
    return {"kind": choice.kind, "rank": choice.rank}


def _blocked_json(blocked: "planning.Blocked") -> dict:
    return {
        "abbreviation": blocked.abbreviation,
        "choice": _choice_json(blocked.choice),
        "why": blocked.why,
        "week_start": blocked.week.start.isoformat() if blocked.week else None,
        "week_end": blocked.week.end.isoformat() if blocked.week else None,
    }


def rows_json(rows: list["planning.PlanRow"]) -> list[dict]:
    """A suggestion's rows in their stored form, numbered in order."""
    plans: dict[int, list] = {}
    for row in rows:
        plans.setdefault(row.official, []).append(row)
    return [
        {
            "id": number,
            "participant": row.official,
            "name": row.name,
            "department": row.department,
            "abbreviation": row.abbreviation,
            "start": row.start.isoformat(),
            "end": row.end.isoformat(),
            "score": row.score,
            "official_score": sum(r.score for r in plans[row.official]),
            "choice": _choice_json(row.choice),
            "part": row.part,
            "parts": row.parts,
            "plan": [
                [r.department, r.start.isoformat(), r.end.isoformat()] for r in plans[row.official]
            ],
            "blocked": [_blocked_json(b) for b in row.blocked],
            "replaces": list(row.replaces),
            "state": SUGGESTED,
            "attachment": None,
            "errors": [],
        }
        for number, row in enumerate(rows)
    ]


def unplaced_json(suggestion: "planning.PlanSuggestion", *, min_weeks: int | None) -> list[dict]:
    return [
        {
            "participant": item.official,
            "name": item.name,
            "why": item.why,
            "min_weeks": min_weeks,
            "blocked": [_blocked_json(b) for b in item.blocked],
        }
        for item in suggestion.unplaced
    ]


def choice_label(choice: dict) -> str:
    if choice["kind"] == RANK:
        return str(RANK_LABELS[choice["rank"]])
    return str(FOCUS_LABEL if choice["kind"] == FOCUS else NONE_LABEL)


def _month_day(value: str) -> str:
    return formats.date_format(datetime.date.fromisoformat(value), "MONTH_DAY_FORMAT")


def blocked_text(blocked: dict) -> str:
    """ "DPO full 14 December–20 December", or why the department takes no one."""
    if blocked["why"] == FULL:
        period = gettext("{start}–{end}").format(
            start=_month_day(blocked["week_start"]), end=_month_day(blocked["week_end"])
        )
        return gettext("{dept} full {period}").format(dept=blocked["abbreviation"], period=period)
    if blocked["why"] == INACTIVE:
        return gettext("{dept} is not an active host department").format(
            dept=blocked["abbreviation"]
        )
    return gettext("{dept} has no seats for this cohort").format(dept=blocked["abbreviation"])


def _with_blocked(reason: str, blocked: list[dict]) -> str:
    if not blocked:
        return reason
    return gettext("{reason}: {why}").format(
        reason=reason, why="; ".join(blocked_text(b) for b in blocked)
    )


def row_reason(row: dict) -> str:
    """Why the row: "1st choice", or "2nd choice: DPO full 14 December–20 December"."""
    reason = choice_label(row["choice"])
    if row["parts"] > 1:
        reason = gettext("{choice}, rotation part {part} of {parts}").format(
            choice=reason, part=row["part"], parts=row["parts"]
        )
    return _with_blocked(reason, row["blocked"])


def unplaced_reason(item: dict) -> str:
    """Why the official is not in the plan."""
    if item["why"] == NO_WEEKS:
        return gettext(
            "The cohort's dates leave no stay of whole weeks after orientation that reaches the "
            "shortest stay"
        )
    if item["why"] == STOPPED:
        return gettext("The solver reached its time limit before placing this official")
    reason = gettext("No department has a seat free for a whole stay of {weeks} weeks").format(
        weeks=item["min_weeks"]
    )
    return _with_blocked(reason, item["blocked"])
