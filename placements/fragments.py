"""The placement board's rows, the timeline's departments and the recent changes of the board
and dashboard: most of their pages' rendering, and between two requests almost all of it
unchanged, so each is rendered once per state (`exchange.fragments`). A state function lists
every value its template reads."""

from exchange.fragments import render_fragments

BOARD_ROW_TEMPLATE = "placements/fragments/board_row.html"
TIMELINE_DEPARTMENT_TEMPLATE = "placements/fragments/timeline_department.html"
HISTORY_TEMPLATE = "placements/fragments/attachment_history.html"


def board_row_state(official) -> tuple:
    """Every value `board_row.html` reads of an official shown without a form or a note."""
    return (
        official.pk,
        official.cohort_id,
        official.status,
        official.name_en,
        official.name_zh,
        official.home_organisation,
        str(official.home_city),
        official.rank,
        official.has_draft,
        tuple(area.name for area in official.focus_areas.all()),
        tuple(preference.department.abbreviation for preference in official.preferences.all()),
        tuple(
            (
                attachment.pk,
                attachment.status,
                attachment.start,
                attachment.end,
                attachment.department.abbreviation,
                attachment.department.name,
            )
            for attachment in official.live_attachments
        ),
    )


def render_board_rows(request, officials, cohort):
    """The rows of `officials` as `board_participants` loads them."""
    return render_fragments(
        request,
        BOARD_ROW_TEMPLATE,
        ((board_row_state(o), {"official": o, "cohort": cohort}) for o in officials),
    )


def timeline_department_state(row, timeline) -> tuple:
    """Every value `timeline_department.html` reads of a department's lanes and weeks."""
    department = row.department
    return (
        department.abbreviation,
        department.name,
        row.seats,
        timeline.weeks[0][2] if timeline.weeks else None,
        timeline.orientation,
        timeline.today,
        tuple(
            tuple(
                (
                    bar.left,
                    bar.width,
                    bar.attachment.status,
                    bar.attachment.start,
                    bar.attachment.end,
                    bar.attachment.participant.pk,
                    bar.attachment.participant.name_en,
                )
                for bar in lane
            )
            for lane in row.lanes
        ),
        tuple((w.start, w.most, w.seats, w.left, w.width) for w in row.weeks),
    )


def render_timeline_departments(request, timeline):
    """The sections of `timeline` (a `cohort_timeline`), one per host department."""
    return render_fragments(
        request,
        TIMELINE_DEPARTMENT_TEMPLATE,
        (
            (timeline_department_state(row, timeline), {"row": row, "timeline": timeline})
            for row in timeline.departments
        ),
    )


def attachment_history_state(history) -> tuple:
    """Every value `attachment_history.html` reads of the versions it lists (as
    `attachment_history` loads them); a version itself never changes, the names it shows may."""
    return tuple(
        (
            record.history_id,
            record.participant_id,
            record.participant.name_en,
            record.department.abbreviation,
            record.start,
            record.end,
            record.status,
            record.history_change_reason,
            record.history_type,
            record.history_date,
            record.history_user_id
            and (record.history_user.get_full_name(), record.history_user.username),
        )
        for record in history
    )


def render_attachment_history(request, history):
    """The latest changes of a cohort's attachments, as on its board and dashboard."""
    history = list(history)
    return render_fragments(
        request, HISTORY_TEMPLATE, [(attachment_history_state(history), {"history": history})]
    )
