"""Suggest a plan: which official goes to which host department, and when, for the best score.

Pure logic, no Django and no database: `placements.planning_services` builds a
`PlanningInstance` from a cohort (`planning_instance`) and turns the `PlanSuggestion` that
`solve` returns into draft attachments; `bench/planning.py` builds instances in memory.

The plan model
--------------
The hard rules are those of `placements.services.attachment_check`, on a weekly grid:

- **Weeks.** Attachments start on a Monday after orientation ends and run whole calendar weeks,
  Monday to Sunday: stays are counted in calendar days, so a stay bound given in weeks (the demo's
  4 to 13 weeks, orientation included) is met exactly. The cohort's last week ends on its last
  allowed day (`Cohort.latest_end`) when that comes before the Sunday; a week whose Friday is past
  that day is not used. See `week_grid`.
- **Stay.** Every official's attachments together last at least `min_weeks`: the weeks from the
  first Monday after orientation to the week in which the shortest stay is reached
  (`Cohort.earliest_end`), so the stay is long enough wherever it starts, and they end by the
  cohort's last week, so it is never too long. (The rules would let an attachment that starts
  late be shorter; a plan does not suggest a two-week attachment after weeks of waiting.)
- **Seats.** At most `Department.free[w]` of the plan's officials at a department in week `w`:
  its seats less the most officials already there (published attachments, and drafts that stay)
  on any day of that week. Every suggested attachment holds its seat on every day of its weeks,
  so seats per week are seats per day.
- **Rotations** (only if the cohort allows them): a stay split into two consecutive attachments of
  equal length, at least two weeks each, at two different departments the official ranked.
- Withdrawn officials and inactive departments never enter an instance; city quotas were checked
  when the officials were nominated.

The score
---------
An official's weight at a department is the weight of the rank they gave it (1st to 5th choice),
else the focus weight if the department works on one of their focus areas, else the `none` weight
(`Weights`, from `Cohort.plan_weights`; not added up). The score is **per official**: the weight
of the department, whatever the length of the stay, so an official placed for a whole stay at
their first choice scores exactly the 1st-choice weight (100 by default). A rotation scores the
average of its two departments' weights, weighted by weeks (its halves are equal). The plan's
score is the sum over its officials.

The plan is the best by three criteria, each only among the best by the ones before:

1. as many officials placed as possible;
2. the highest total score;
3. with those departments, the longest stays, then the earliest starts (a tie-break: the score
   does not depend on the dates).

The solver
----------
Mixed-integer programmes solved by HiGHS (`highspy`). Every official in an instance can take the
same periods (their attachments are all suggested here) and the score depends only on the
departments, so the model counts instead of choosing a period per official:

- officials with the same wishes (ranks and focus areas) are one *type*, and `X[type, option]`
  counts how many of them take an option: a ranked department, the *pool* of one of their
  focus areas or the pool of no wish (a pool passes its officials on to any department it
  covers, so an official is not given one variable per department of no interest), or a
  rotation between two ranked departments. This removes the symmetry between interchangeable
  officials and keeps the model small: about 10 columns per official, not one per department;
- `N[department, first week]` counts stays of exactly `min_weeks` weeks (`R[pair, first week]`
  rotations of the shortest halves), and what flows into a department equals its stays;
- each department's stays in a week are at most its free seats.

A longer stay holds a seat in more weeks than a shortest one inside it, so shortest stays lose
nothing for criteria 1 and 2, which are solved together: a placement is worth more than any
difference of scores (the bound then proves both). Criterion 3 is a second, small programme with
each department's count fixed: started and ended stays are counted per week, so a department's
lengths cost two columns a week, not one per period. Officials then take their option's periods
in key order. With rotations, the plan without them is solved first and starts the search, so a
time limit never leaves a worse plan than that one. Tests compare the results with every
assignment enumerated on small instances; the benchmark (`bench/planning.py`) solves 1,000
officials, 100 departments and 26 weeks.
"""

import datetime
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import highspy
import numpy as np

from exchange.plan_weights import DEFAULT_PLAN_WEIGHTS

DAY = datetime.timedelta(days=1)
ROTATION_MIN_PART_WEEKS = 2
RANKS = 5

# Why a better department was not the official's, or why an official has no place.
FULL = "full"  # every seat taken in the week named
NO_SEATS = "no_seats"  # the department has no seats for the cohort
INACTIVE = "inactive"  # the department is not an active host department
NO_WEEKS = "no_weeks"  # the cohort's dates leave no stay of whole weeks after orientation
NO_SEAT = "no_seat"  # no department has a seat free for a whole stay
STOPPED = "stopped"  # the solver stopped (time limit) before placing or proving this one

OPTIMAL = "optimal"  # every criterion proven best
FEASIBLE = "feasible"  # a plan within the rules, not proven best (see the gap)
NOT_SOLVED = "not_solved"  # the solver found no plan in the time given


@dataclass(frozen=True)
class Weights:
    """The score's weights: 1st to 5th choice, shared focus area, none."""

    ranks: tuple[int, ...]
    focus: int
    none: int

    def __post_init__(self):
        # The pools of the model pass officials on at the focus or no-wish weight, which must
        # then be no more than what a department they ranked is worth.
        order = [*self.ranks, self.focus, self.none]
        if len(self.ranks) != RANKS or any(a < b for a, b in zip(order, order[1:], strict=False)):
            raise ValueError(f"weights must not rise from the 1st choice to none: {order}")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, int] | None = None) -> "Weights":
        values = {**DEFAULT_PLAN_WEIGHTS, **{str(k): v for k, v in (mapping or {}).items()}}
        return cls(
            ranks=tuple(int(values[str(rank)]) for rank in range(1, RANKS + 1)),
            focus=int(values["focus"]),
            none=int(values["none"]),
        )


@dataclass(frozen=True)
class Choice:
    """What a department is to an official: a ranked choice, a shared focus area, or neither."""

    kind: str  # "rank", "focus" or "none"
    rank: int | None = None

    RANK = "rank"
    FOCUS = "focus"
    NONE = "none"


@dataclass(frozen=True)
class Week:
    start: datetime.date  # a Monday
    end: datetime.date  # its Sunday, or the cohort's last day


@dataclass(frozen=True)
class Department:
    key: int
    abbreviation: str
    free: tuple[int, ...]  # seats free for the plan, per week of the grid
    focus_areas: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Official:
    key: int
    name: str
    ranks: Mapping[int, int] = field(default_factory=dict)  # department key → rank (1 = first)
    focus_areas: frozenset[int] = frozenset()
    # Draft attachments a full re-plan would replace (their seats are free in the instance).
    replaces: tuple[int, ...] = ()


@dataclass(frozen=True)
class Unavailable:
    """A department some official ranked that takes no one in this plan."""

    abbreviation: str
    why: str  # NO_SEATS or INACTIVE


@dataclass
class PlanningInstance:
    weeks: tuple[Week, ...]
    min_weeks: int | None  # None: no stay after orientation reaches the shortest stay
    departments: tuple[Department, ...]
    officials: tuple[Official, ...]
    weights: Weights = field(default_factory=Weights.from_mapping)
    allow_rotations: bool = False
    unavailable: Mapping[int, Unavailable] = field(default_factory=dict)

    def __post_init__(self):
        self.index = {department.key: i for i, department in enumerate(self.departments)}
        self.area_index: dict[int, list[int]] = {}
        for i, department in enumerate(self.departments):
            for area in department.focus_areas:
                self.area_index.setdefault(area, []).append(i)
        for department in self.departments:
            if len(department.free) != len(self.weeks):
                raise ValueError(f"{department.abbreviation}: one free count per week")

    def choice(self, official: Official, index: int) -> Choice:
        department = self.departments[index]
        rank = official.ranks.get(department.key)
        if rank is not None and 1 <= rank <= RANKS:
            return Choice(Choice.RANK, rank)
        if official.focus_areas & department.focus_areas:
            return Choice(Choice.FOCUS)
        return Choice(Choice.NONE)

    def weight_of(self, choice: Choice) -> int:
        if choice.kind == Choice.RANK:
            return self.weights.ranks[choice.rank - 1]
        return self.weights.focus if choice.kind == Choice.FOCUS else self.weights.none

    def weight(self, official: Official, index: int) -> int:
        return self.weight_of(self.choice(official, index))

    @property
    def part_weeks(self) -> int:
        """The shortest half of a rotation."""
        return max(ROTATION_MIN_PART_WEEKS, math.ceil((self.min_weeks or 0) / 2))

    def rotation_pairs(self, official: Official) -> list[tuple[int, int]]:
        """The ordered department pairs a rotation of this official may take."""
        if not self.allow_rotations:
            return []
        wished = [
            i for i in range(len(self.departments)) if self.choice(official, i).kind != Choice.NONE
        ]
        return [(a, b) for a in wished for b in wished if a != b]


def first_monday_after(day: datetime.date) -> datetime.date:
    day += DAY
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def week_grid(
    *, orientation_end: datetime.date, earliest_end: datetime.date, latest_end: datetime.date
) -> tuple[tuple[Week, ...], int | None]:
    """The weeks attachments may take, and `min_weeks` (None if no week reaches the shortest
    stay)."""
    weeks = []
    monday = first_monday_after(orientation_end)
    while monday + 4 * DAY <= latest_end:
        weeks.append(Week(monday, min(monday + 6 * DAY, latest_end)))
        monday += 7 * DAY
    min_weeks = next((n for n, week in enumerate(weeks, 1) if week.end >= earliest_end), None)
    return tuple(weeks), min_weeks


def free_seats(
    *, seats: int, weeks: tuple[Week, ...], taken: list[tuple[datetime.date, datetime.date]]
) -> tuple[int, ...]:
    """Seats left in each week: `seats` less the most periods of `taken` on any day of it."""
    free = []
    for week in weeks:
        here = [(s, e) for s, e in taken if s <= week.end and e >= week.start]
        most, day = 0, week.start
        while here and day <= week.end:
            most = max(most, sum(1 for s, e in here if s <= day <= e))
            day += DAY
        free.append(max(seats - most, 0))
    return tuple(free)


@dataclass(frozen=True)
class Blocked:
    """Why a department better for the official is not theirs (or why no department is)."""

    abbreviation: str
    choice: Choice
    why: str  # FULL, NO_SEATS or INACTIVE
    week: Week | None = None  # for FULL: the first week its seats are all taken


@dataclass(frozen=True)
class PlanRow:
    """One suggested attachment; a rotation is two rows (part 1 and 2)."""

    official: int
    name: str
    department: int
    abbreviation: str
    start: datetime.date
    end: datetime.date
    score: float  # this row's share of the official's score (a rotation's halves add up)
    choice: Choice
    part: int = 1
    parts: int = 1
    blocked: tuple[Blocked, ...] = ()
    replaces: tuple[int, ...] = ()


@dataclass(frozen=True)
class Unplaced:
    official: int
    name: str
    why: str  # NO_WEEKS, NO_SEAT or STOPPED
    blocked: tuple[Blocked, ...] = ()


@dataclass(frozen=True)
class Phase:
    name: str  # "placed and score" (", no rotations": the start of a rotation search), "dates"
    status: str  # OPTIMAL, FEASIBLE or NOT_SOLVED
    seconds: float
    variables: int
    constraints: int
    objective: float | None = None
    bound: float | None = None


@dataclass
class PlanSuggestion:
    rows: list[PlanRow]
    unplaced: list[Unplaced]
    total_score: float
    placed: int
    status: str  # OPTIMAL, FEASIBLE or NOT_SOLVED
    gap: float | None  # relative gap of the score: 0 when optimal, None without a bound
    score_bound: float | None  # no plan placing as many can score more than this
    solve_seconds: float
    phases: list[Phase] = field(default_factory=list)


Progress = Callable[[int, str], None]


class _Program:
    """A maximisation MILP built column by column, solved by HiGHS."""

    def __init__(self):
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.gain: list[float] = []
        self.entries: tuple[list[int], list[int], list[float]] = ([], [], [])
        self.low: list[float] = []
        self.high: list[float] = []

    def column(self, upper: float, gain: float = 0.0, lower: float = 0.0) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        self.gain.append(gain)
        return len(self.upper) - 1

    def row(self, terms: list[tuple[int, float]], low: float, high: float) -> int:
        number = len(self.low)
        for column, value in terms:
            self.entries[0].append(number)
            self.entries[1].append(column)
            self.entries[2].append(value)
        self.low.append(low)
        self.high.append(high)
        return number

    def solve(
        self,
        *,
        gain: list[float] | None = None,
        time_limit: float,
        presolve: bool,
        start: np.ndarray | None = None,
    ):
        """(status, x, objective, bound) of maximising `gain` (the columns' gains by default).

        HiGHS's presolve takes seconds on the big assignment models and finds little to remove
        there (their root relaxation is nearly integral): those are solved without it."""
        size = len(self.upper)
        if size == 0:
            return OPTIMAL, np.zeros(0), 0.0, 0.0
        rows, columns, values = (np.asarray(entries) for entries in self.entries)
        order = np.lexsort((rows, columns))  # column by column, rows in order
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = size, len(self.low)
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = np.asarray(self.gain if gain is None else gain, dtype=float)
        lp.col_lower_ = np.asarray(self.lower, dtype=float)
        lp.col_upper_ = np.asarray(self.upper, dtype=float)
        lp.row_lower_ = np.asarray(self.low, dtype=float)
        lp.row_upper_ = np.asarray(self.high, dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.searchsorted(columns[order], np.arange(size + 1))
        lp.a_matrix_.index_ = rows[order]
        lp.a_matrix_.value_ = values[order].astype(float)
        lp.integrality_ = [highspy.HighsVarType.kInteger] * size
        solver = highspy.Highs()
        for option, value in {
            "output_flag": False,
            "time_limit": max(time_limit, 0.05),
            "mip_rel_gap": 0.0,
            "presolve": "on" if presolve else "off",
            # The model has no symmetry left to find (interchangeable officials are counted as
            # one type), and HiGHS's search for it can overrun the time limit; its relaxation
            # is tight but can be slow to round (rotations), where more heuristics pay.
            "mip_detect_symmetry": False,
            "mip_heuristic_effort": 0.5,
            "threads": 1,
        }.items():
            solver.setOptionValue(option, value)
        solver.passModel(lp)
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = list(start)
            solution.value_valid = True
            solver.setSolution(solution)
        solver.run()
        info = solver.getInfo()
        if info.primal_solution_status != 2:  # no feasible solution found
            return NOT_SOLVED, None, None, None
        x = np.rint(np.asarray(solver.getSolution().col_value))
        value = float(lp.col_cost_ @ x)
        status = (
            OPTIMAL if solver.getModelStatus() == highspy.HighsModelStatus.kOptimal else FEASIBLE
        )
        if status == OPTIMAL:
            return status, x, value, value
        bound = info.mip_dual_bound
        # Stopped before the relaxation was solved: no bound is known.
        return status, x, value, float(max(bound, value)) if np.isfinite(bound) else None

    @property
    def size(self) -> tuple[int, int]:
        return len(self.upper), len(self.low)


def _window_upper(free: np.ndarray, start: int, length: int) -> int:
    return int(free[start : start + length].min())


@dataclass
class _Model:
    """The programme of criteria 1 and 2, with what each column stands for."""

    program: _Program
    count_gain: list[float]
    score_gain: list[float]
    options: list[tuple[int, tuple, int]]  # (column, option, type number)
    pools: list[tuple[int, tuple, int]]  # (column, pool, department)
    periods: list[tuple[int, tuple, int]]  # (column, department or pair, first week)
    keys: dict[tuple, int]  # what a column stands for → the column
    rotations: bool
    per_place: float = 0.0
    gain: list[float] = field(default_factory=list)

    def start_from(self, other: "_Model", x: np.ndarray) -> np.ndarray:
        """A solution of `other` (the same officials, fewer options) as one of this model."""
        start = np.zeros(len(self.program.upper))
        for key, column in other.keys.items():
            start[self.keys[key]] = x[column]
        return start


def _assignment_model(
    instance, *, types, free, single_windows, windows_of_pair, area_departments, usable, rotations
) -> _Model:
    """Options, with their doubled score (a rotation's average is then a whole number): a ranked
    department, any department of a focus area (through the area's pool), any department at all
    (through the pool of no wish), or a rotation between two ranked departments."""
    span, half = instance.min_weeks, instance.part_weeks
    weight = instance.weights
    program = _Program()
    model = _Model(program, [], [], [], [], [], {}, False)
    total = sum(len(members) for members in types.values())

    def column(key, upper, placed: float, doubled: float) -> int:
        model.count_gain.append(placed)
        model.score_gain.append(doubled)
        model.keys[key] = program.column(upper)
        return model.keys[key]

    into: dict[tuple, list[tuple[int, float]]] = {}  # what flows into a department, pool, pair
    for number, ((ranked, areas), members) in enumerate(types.items()):
        offers = [(("d", d), 2 * weight.ranks[rank - 1]) for d, rank in ranked if single_windows[d]]
        offers += [(("a", a), 2 * weight.focus) for a in areas if a in area_departments]
        if usable:
            offers.append((("n",), 2 * weight.none))
        if rotations:
            offers += [
                (("r", a, b), weight.ranks[ra - 1] + weight.ranks[rb - 1])
                for a, ra in ranked
                for b, rb in ranked
                if a != b and windows_of_pair(a, b)
            ]
        terms = []
        for option, doubled in offers:
            number_column = column(("x", number, option), len(members), 1.0, float(doubled))
            model.options.append((number_column, option, number))
            terms.append((number_column, 1.0))
            into.setdefault(option, []).append((number_column, 1.0))
            model.rotations |= option[0] == "r"
        if terms:
            program.row(terms, 0, len(members))
    for pool in [p for p in into if p[0] in "an"]:
        for d in area_departments[pool[1]] if pool[0] == "a" else usable:
            pool_column = column(("p", pool, d), total, 0.0, 0.0)
            model.pools.append((pool_column, pool, d))
            into[pool].append((pool_column, -1.0))
            into.setdefault(("d", d), []).append((pool_column, 1.0))
    seats: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for option in [o for o in into if o[0] in "dr"]:
        if option[0] == "d":
            parts, starts = [(option[1], 0, span)], single_windows[option[1]]
        else:
            parts = [(option[1], 0, half), (option[2], half, half)]
            starts = windows_of_pair(option[1], option[2])
        for s, upper in starts:
            period_column = column(("w", option, s), upper, 0.0, 0.0)
            model.periods.append((period_column, option, s))
            into[option].append((period_column, -1.0))
            for d, offset, length in parts:
                for w in range(s + offset, s + offset + length):
                    seats.setdefault((d, w), []).append((period_column, 1.0))
    for terms in into.values():
        program.row(terms, 0, 0)
    for (d, w), terms in seats.items():
        program.row(terms, -np.inf, int(free[d, w]))
    # Criteria 1 and 2 at once: a placement is worth more than any difference of scores, so
    # the bound also proves the number placed when it is below one more placement.
    model.per_place = max(model.score_gain, default=0.0) * total + 1
    model.gain = [
        model.per_place * p + d for p, d in zip(model.count_gain, model.score_gain, strict=True)
    ]
    return model


def solve(
    instance: PlanningInstance, *, time_limit: float = 10.0, progress: Progress | None = None
) -> PlanSuggestion:
    """The best plan for `instance` under the module's model, in about `time_limit` seconds
    (if the time runs out, the best plan found, with its gap)."""
    started = time.perf_counter()
    deadline = started + time_limit
    report = progress or (lambda percent, message: None)
    officials = sorted(instance.officials, key=lambda o: o.key)
    weeks = instance.weeks
    span = instance.min_weeks
    if not officials:
        return PlanSuggestion([], [], 0.0, 0, OPTIMAL, 0.0, 0.0, time.perf_counter() - started)
    if not weeks or span is None or span > len(weeks):
        unplaced = [Unplaced(o.key, o.name, NO_WEEKS) for o in officials]
        return PlanSuggestion(
            [], unplaced, 0.0, 0, OPTIMAL, 0.0, 0.0, time.perf_counter() - started
        )

    departments = instance.departments
    free = np.array([d.free for d in departments], dtype=int).reshape(len(departments), len(weeks))
    count_weeks = len(weeks)
    half = instance.part_weeks
    # The shortest periods, as (first week, seats free in all its weeks), per department.
    single_windows = {
        d: [
            (s, u)
            for s in range(count_weeks - span + 1)
            if (u := _window_upper(free[d], s, span)) > 0
        ]
        for d in range(len(departments))
    }
    usable = [d for d in range(len(departments)) if single_windows[d]]
    pair_windows: dict[tuple[int, int], list[tuple[int, int]]] = {}

    def windows_of_pair(a: int, b: int) -> list[tuple[int, int]]:
        if (a, b) not in pair_windows:
            pair_windows[(a, b)] = [
                (s, u)
                for s in range(count_weeks - 2 * half + 1)
                if (
                    u := min(
                        _window_upper(free[a], s, half), _window_upper(free[b], s + half, half)
                    )
                )
                > 0
            ]
        return pair_windows[(a, b)]

    area_departments: dict[int, list[int]] = {}
    for d in usable:
        for area in departments[d].focus_areas:
            area_departments.setdefault(area, []).append(d)

    # Officials with the same wishes are interchangeable: one type, counted, not one by one.
    types: dict[tuple, list[Official]] = {}
    for official in officials:
        ranked = tuple(
            sorted(
                (instance.index[key], rank)
                for key, rank in official.ranks.items()
                if key in instance.index and 1 <= rank <= RANKS
            )
        )
        types.setdefault((ranked, tuple(sorted(official.focus_areas))), []).append(official)

    def build(rotations: bool) -> _Model:
        return _assignment_model(
            instance,
            types=types,
            free=free,
            single_windows=single_windows,
            windows_of_pair=windows_of_pair,
            area_departments=area_departments,
            usable=usable,
            rotations=rotations,
        )

    model = build(instance.allow_rotations)
    report(10, "model")
    phases: list[Phase] = []

    def run(model: _Model, name: str, seconds: float, start=None):
        began = time.perf_counter()
        status, x, value, bound = model.program.solve(
            gain=model.gain, time_limit=seconds, presolve=False, start=start
        )
        variables, constraints = model.program.size
        phases.append(
            Phase(name, status, time.perf_counter() - began, variables, constraints, value, bound)
        )
        return status, x, value, bound

    # Rotations multiply the columns and weaken the relaxation: the plan without them, found
    # first (fast), starts the search, so the time limit never leaves a worse plan than that.
    start = fallback = None
    if model.rotations:
        plain = build(False)
        seconds = max(min(deadline - time.perf_counter(), time_limit / 3), 0.5)
        solved = run(plain, "placed and score, no rotations", seconds)
        if solved[1] is not None:
            fallback = (plain, *solved)
            start = model.start_from(plain, solved[1])
    # The dates' programme is small: a tenth of the time (at most a second) is kept for it.
    reserve = min(1.0, time_limit / 10)
    solved = run(model, "placed and score", deadline - reserve - time.perf_counter(), start)
    if solved[1] is None and fallback is not None:
        # Nothing from the full model in time: the plan without rotations, proven for nothing.
        model, solved = fallback[0], (FEASIBLE, fallback[2], fallback[3], None)
    status, x, value, bound = solved
    report(70, "score")
    if x is None:
        unplaced = [Unplaced(o.key, o.name, STOPPED) for o in officials]
        return PlanSuggestion(
            [], unplaced, 0.0, 0, NOT_SOLVED, None, None, time.perf_counter() - started, phases
        )
    per_place = model.per_place
    placed = round(float(np.dot(model.count_gain, x)))
    placed_proven = status == OPTIMAL or (bound is not None and bound < per_place * (placed + 1))
    doubled_bound = bound - per_place * placed if placed_proven else None
    holders = _holders(list(types.values()), model.options, model.pools, x)
    counts = {option: len(people) for option, people in holders.items()}
    shapes = _longest_periods(instance, free, counts, deadline, phases)
    if shapes is None:  # no time left to lengthen: the shortest periods found stay
        shapes = {}
        for period_column, option, s in model.periods:
            key = ("s", option[1]) if option[0] == "d" else option
            length = span if option[0] == "d" else half
            shapes.setdefault(key, []).extend([(s, length)] * int(x[period_column]))
    report(95, "dates")

    return _suggestion(
        instance,
        officials=officials,
        holders=holders,
        shapes=shapes,
        free=free,
        placed_proven=placed_proven,
        status=status,
        doubled_bound=doubled_bound,
        seconds=time.perf_counter() - started,
        phases=phases,
    )


def _holders(types, options, pools, x) -> dict[tuple, list[Official]]:
    """Who holds which department (("s", d)) or rotation (("r", a, b)): each type's officials,
    in key order, take its options' counts, and each pool's officials the departments it feeds."""
    chosen: dict[int, list[tuple[tuple, int]]] = {}
    for column, option, number in options:
        if x[column] > 0:
            chosen.setdefault(number, []).append((option, int(x[column])))
    through: dict[tuple, list[Official]] = {}
    for number, members in enumerate(types):
        members = sorted(members, key=lambda o: o.key)
        for option, n in sorted(chosen.get(number, [])):
            through.setdefault(option, []).extend(members[:n])
            members = members[n:]
    holders: dict[tuple, list[Official]] = {}
    for option, people in through.items():
        if option[0] == "d":
            holders.setdefault(("s", option[1]), []).extend(people)
        elif option[0] == "r":
            holders.setdefault(option, []).extend(people)
    for pool in sorted({p for _c, p, _d in pools}):
        people = sorted(through.get(pool, []), key=lambda o: o.key)
        seats = [
            d
            for c, p, d in sorted(pools, key=lambda item: item[2])
            if p == pool
            for _ in range(int(x[c]))
        ]
        for official, d in zip(people, seats, strict=True):
            holders.setdefault(("s", d), []).append(official)
    for people in holders.values():
        people.sort(key=lambda o: o.key)
    return holders


def _longest_periods(instance, free, counts, deadline, phases):
    """Criterion 3: with each department's and rotation's count fixed, periods of any length,
    longest stays and then earliest starts first. Returns {option: [(first week, weeks per
    part)]}, or None if the solver found nothing in time.

    A department's stays are counted, not listed: `A[w]` of them have started by week `w` and
    `Z[w]` have ended by then. Every stay lasts `min_weeks` if no more than `A[e - min_weeks +
    1]` have ended by any week `e` (then the first to start is paired with the first to end),
    and `A[w] - Z[w - 1]` officials are there in week `w`. Rotations are listed period by period.
    """
    count_weeks = len(instance.weeks)
    span, half = instance.min_weeks, instance.part_weeks
    long_gain = count_weeks + 1  # a week longer beats any start earlier
    program = _Program()
    present: dict[tuple[int, int], list[tuple[int, float]]] = {}
    counted: dict[int, tuple[list[int], list[int]]] = {}
    listed: list[tuple[int, tuple, int, int]] = []
    for option, count in sorted(counts.items()):
        if option[0] == "s":
            d = option[1]
            started = [
                program.column(
                    count,
                    long_gain + (1 if w < count_weeks - 1 else 0),
                    lower=count if w >= count_weeks - span else 0,
                )
                for w in range(count_weeks)
            ]
            ended = [
                program.column(
                    0 if w < span - 1 else count,
                    -long_gain if w < count_weeks - 1 else 0,
                    lower=count if w == count_weeks - 1 else 0,
                )
                for w in range(count_weeks)
            ]
            counted[d] = (started, ended)
            for w in range(count_weeks):
                if w:
                    program.row([(started[w], 1.0), (started[w - 1], -1.0)], 0, np.inf)
                    program.row([(ended[w], 1.0), (ended[w - 1], -1.0)], 0, np.inf)
                if w >= span - 1:
                    program.row([(ended[w], 1.0), (started[w - span + 1], -1.0)], -np.inf, 0)
                terms = [(started[w], 1.0)] + ([(ended[w - 1], -1.0)] if w else [])
                present.setdefault((d, w), []).extend(terms)
            continue
        a, b = option[1], option[2]
        terms = []
        for h in range(half, count_weeks // 2 + 1):
            for s in range(count_weeks - 2 * h + 1):
                parts = [(a, s, h), (b, s + h, h)]
                upper = min(_window_upper(free[d], first, n) for d, first, n in parts)
                if upper <= 0:
                    continue
                column = program.column(min(upper, count), long_gain * 2 * h - s)
                listed.append((column, option, s, h))
                terms.append((column, 1.0))
                for d, first, n in parts:
                    for w in range(first, first + n):
                        present.setdefault((d, w), []).append((column, 1.0))
        program.row(terms, count, count)
    for (d, w), terms in present.items():
        program.row(terms, -np.inf, int(free[d, w]))
    began = time.perf_counter()
    status, x, value, bound = program.solve(time_limit=max(deadline - began, 0.5), presolve=False)
    variables, constraints = program.size
    phases.append(
        Phase("dates", status, time.perf_counter() - began, variables, constraints, value, bound)
    )
    if x is None:
        return None
    shapes: dict[tuple, list[tuple[int, int]]] = {}
    for d, (started, ended) in counted.items():
        starts = _steps([int(x[c]) for c in started])
        ends = _steps([int(x[c]) for c in ended])
        shapes[("s", d)] = [(s, e - s + 1) for s, e in zip(starts, ends, strict=True)]
    for column, option, s, h in listed:
        shapes.setdefault(option, []).extend([(s, h)] * int(x[column]))
    return shapes


def _steps(cumulative: list[int]) -> list[int]:
    """The weeks at which a cumulative count rises, once per unit: [0, 2, 2, 3] → [1, 1, 3]."""
    weeks, before = [], 0
    for week, total in enumerate(cumulative):
        weeks.extend([week] * (total - before))
        before = total
    return weeks


def _suggestion(
    instance,
    *,
    officials,
    holders,
    shapes,
    free,
    placed_proven,
    status,
    doubled_bound,
    seconds,
    phases,
) -> PlanSuggestion:
    """Give each option's periods to its officials (in key order), and explain the rows."""
    weeks = instance.weeks
    taken = np.zeros_like(free)
    given: dict[int, tuple[tuple, int, int]] = {}  # official key → (option, first week, length)
    for option, people in holders.items():
        for official, (s, length) in zip(
            people, sorted(shapes[option], key=lambda p: (p[0], -p[1])), strict=True
        ):
            given[official.key] = (option, s, length)
            parts = [(option[1], s, length)]
            if option[0] == "r":
                parts = [(option[1], s, length), (option[2], s + length, length)]
            for d, first, n in parts:
                taken[d, first : first + n] += 1
    full = taken >= free

    rows: list[PlanRow] = []
    unplaced: list[Unplaced] = []
    for official in officials:
        if official.key not in given:
            why = NO_SEAT if placed_proven else STOPPED
            blocked = _blocked(instance, official, full, None, range(len(weeks)))
            unplaced.append(Unplaced(official.key, official.name, why, blocked))
            continue
        option, s, length = given[official.key]
        if option[0] == "s":
            parts = [(option[1], s, length)]
        else:
            parts = [(option[1], s, length), (option[2], s + length, length)]
        average = sum(instance.weight(official, d) for d, _f, _n in parts) / len(parts)
        held = range(s, parts[-1][1] + parts[-1][2])
        blocked = _blocked(instance, official, full, average, held)
        for part, (d, first, n) in enumerate(parts, 1):
            department = instance.departments[d]
            rows.append(
                PlanRow(
                    official=official.key,
                    name=official.name,
                    department=department.key,
                    abbreviation=department.abbreviation,
                    start=weeks[first].start,
                    end=weeks[first + n - 1].end,
                    score=instance.weight(official, d) / len(parts),
                    choice=instance.choice(official, d),
                    part=part,
                    parts=len(parts),
                    blocked=blocked,
                    replaces=official.replaces,
                )
            )
    total = sum(row.score for row in rows)
    bound = None if doubled_bound is None else doubled_bound / 2
    gap = None
    if bound is not None:
        gap = 0.0 if status == OPTIMAL else (bound - total) / max(abs(bound), 1e-9)
    return PlanSuggestion(
        rows=rows,
        unplaced=unplaced,
        total_score=total,
        placed=len(given),
        status=status,
        gap=gap,
        score_bound=bound,
        solve_seconds=seconds,
        phases=phases,
    )


MAX_BLOCKED = 5


def _blocked(instance, official, full, score, held) -> tuple[Blocked, ...]:
    """The departments the official wished for (ranked, or sharing a focus area) that would have
    scored more than `score` (None: any), each with why it is not theirs: the first week of
    `held` in which its seats are all taken, or that it takes no one in this plan."""
    wished: list[tuple[int, str, Choice, int | None, str | None]] = []
    for key, rank in official.ranks.items():
        if not 1 <= rank <= RANKS:
            continue
        choice = Choice(Choice.RANK, rank)
        if key in instance.unavailable:
            gone = instance.unavailable[key]
            wished.append((rank, gone.abbreviation, choice, None, gone.why))
        elif key in instance.index:
            d = instance.index[key]
            wished.append((rank, instance.departments[d].abbreviation, choice, d, None))
    if score is None or instance.weights.focus > score:
        for area in sorted(official.focus_areas):
            for d in instance.area_index.get(area, ()):
                if instance.choice(official, d).kind == Choice.FOCUS:
                    abbreviation = instance.departments[d].abbreviation
                    wished.append((RANKS + 1, abbreviation, Choice(Choice.FOCUS), d, None))
    result = []
    seen = set()
    for _order, abbreviation, choice, d, why in sorted(wished, key=lambda w: w[:2]):
        if abbreviation in seen or (score is not None and instance.weight_of(choice) <= score):
            continue
        seen.add(abbreviation)
        if d is None:
            result.append(Blocked(abbreviation, choice, why))
        else:
            week = next((w for w in held if full[d, w]), None)
            if week is None:
                continue  # not proven optimal: this one could have been better placed
            result.append(Blocked(abbreviation, choice, FULL, instance.weeks[week]))
        if len(result) == MAX_BLOCKED:
            break
    return tuple(result)


def plan_violations(instance: PlanningInstance, suggestion: PlanSuggestion) -> list[str]:
    """Every way the suggestion breaks the plan model (empty if none): for tests and benchmarks,
    which check the solver's output instead of trusting it."""
    problems = []
    weeks = instance.weeks
    number = {week.start: n for n, week in enumerate(weeks)}
    last = {week.end: n for n, week in enumerate(weeks)}
    taken = np.zeros((len(instance.departments), len(weeks)), dtype=int)
    by_official: dict[int, list[PlanRow]] = {}
    for row in suggestion.rows:
        by_official.setdefault(row.official, []).append(row)
        if row.start not in number or row.end not in last or row.end < row.start:
            problems.append(f"{row.name}: {row.start}–{row.end} is not whole weeks of the grid")
            continue
        if row.department not in instance.index:
            problems.append(f"{row.name}: {row.abbreviation} is not in the plan")
            continue
        taken[instance.index[row.department], number[row.start] : last[row.end] + 1] += 1
    officials = {o.key: o for o in instance.officials}
    for key, rows in by_official.items():
        rows.sort(key=lambda r: r.start)
        if key not in officials:
            problems.append(f"{rows[0].name} is not an official of the instance")
            continue
        if any(r.start not in number or r.end not in last for r in rows):
            continue
        lengths = [last[r.end] - number[r.start] + 1 for r in rows]
        if len(rows) == 1:
            if lengths[0] < instance.min_weeks:
                problems.append(f"{rows[0].name}: {lengths[0]} weeks, fewer than the shortest")
        elif len(rows) == 2:
            first, second = rows
            pair = (instance.index.get(first.department), instance.index.get(second.department))
            if pair not in instance.rotation_pairs(officials[key]):
                problems.append(f"{first.name}: a rotation this official may not take")
            if lengths[0] != lengths[1] or lengths[0] < instance.part_weeks:
                problems.append(f"{first.name}: a rotation's halves of {lengths} weeks")
            if number[second.start] != last[first.end] + 1:
                problems.append(f"{first.name}: a rotation's halves are not consecutive")
        else:
            problems.append(f"{rows[0].name}: {len(rows)} attachments")
    for d, department in enumerate(instance.departments):
        for w, week in enumerate(weeks):
            if taken[d, w] > department.free[w]:
                problems.append(
                    f"{department.abbreviation}: {taken[d, w]} officials in the week of "
                    f"{week.start}, {department.free[w]} seats free"
                )
    placed = len(by_official)
    if placed != suggestion.placed:
        problems.append(f"{placed} officials in the rows, {suggestion.placed} said placed")
    scores = {}
    for key, rows in by_official.items():
        if key in officials:
            scores[key] = sum(
                instance.weight(officials[key], instance.index[r.department])
                for r in rows
                if r.department in instance.index
            ) / len(rows)
    if abs(sum(scores.values()) - suggestion.total_score) > 1e-6:
        problems.append(
            f"score {suggestion.total_score}, the rows add up to {sum(scores.values())}"
        )
    return problems
