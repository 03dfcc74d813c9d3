"""Celery tasks of the placements: thin, named, taking ids. The work lives in
`placements.planning_services`; the names are stable (queued messages carry them)."""

from exchange.celery import app

from . import planning_services


@app.task(
    name="placements.suggest_plan",
    # Idempotent (a suggestion already done is left alone, a half-done one runs again), so the
    # message is acknowledged only after the run, and given to another worker if this one dies.
    acks_late=True,
    reject_on_worker_lost=True,
    # The solver keeps to the suggestion's time limit (at most 120 s) plus loading and writing.
    soft_time_limit=planning_services.MAX_TIME_LIMIT + 120,
    time_limit=planning_services.MAX_TIME_LIMIT + 180,
)
def suggest_plan(cohort_id: int, suggestion_id: int) -> str:
    return planning_services.plan_suggestion_run(cohort_id=cohort_id, suggestion_id=suggestion_id)
