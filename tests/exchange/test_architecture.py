"""The architecture contract: one direction through the house, no import cycles.

`make lint` runs `lint-imports` on the checkout; these tests show the contract is kept there and
that it would catch the kinds of import it forbids, naming them.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("exchange", "participants", "placements", "demo", "api")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
LAYERS_BROKEN = "One direction: demo | api → placements → participants → exchange BROKEN"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
    )


@pytest.fixture
def house(tmp_path) -> Path:
    """A copy of the project's packages and contract, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "migrations", "data"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_checkout_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract", "named"),
    [
        (
            "exchange/upward.py",
            "from placements.models import Attachment\n",
            "The ground (exchange) imports no app BROKEN",
            "exchange.upward -> placements.models",
        ),
        (
            "participants/upward.py",
            "from placements import services\n",
            LAYERS_BROKEN,
            "participants.upward -> placements.services",
        ),
        (
            "placements/uses_demo.py",
            "from demo import seed\n",
            "Nothing imports the demo BROKEN",
            "placements.uses_demo -> demo.seed",
        ),
        (
            "placements/uses_api.py",
            "from api import views\n",
            LAYERS_BROKEN,
            "placements.uses_api -> api.views",
        ),
        (
            "api/uses_demo.py",
            "from demo import seed\n",
            "Nothing imports the demo BROKEN",
            "api.uses_demo -> demo.seed",
        ),
    ],
)
def test_an_upward_import_fails_and_is_named(house, module, line, contract, named):
    (house / module).write_text(line)
    result = lint_imports(house)
    assert result.returncode == 1
    assert contract in result.stdout
    assert named in result.stdout


def test_an_import_cycle_inside_a_layer_fails(house):
    # The outbox records, the planner uses the outbox: an outbox that imported the planner back
    # would close a circle.
    outbox = house / "exchange" / "notifications" / "outbox.py"
    outbox.write_text(outbox.read_text() + "\nfrom .planner import reminders_plan  # noqa\n")
    result = lint_imports(house)
    assert result.returncode == 1
    assert "No import cycle among the project's modules BROKEN" in result.stdout


def test_the_stored_kinds_and_task_names_did_not_change():
    """Rows already queued carry these values: each must still have a type, and the tasks must
    still answer to their names."""
    from exchange import notice_registry
    from exchange.celery import app

    assert set(notice_registry.kinds()) >= {
        "orientation_notice",
        "orientation_reminder",
        "attachment_start_reminder",
        "attachment_end_reminder",
        "activity_reminder",
        "attachment_created",
        "attachment_changed",
        "attachment_cancelled",
        "activity_changed",
    }
    assert {
        "exchange.send_notification",
        "exchange.send_notifications",
        "exchange.dispatch_notifications",
        "exchange.plan_reminders",
    } <= set(app.tasks)
    # The orientation notice is told by placements, which adds the official's attachments.
    assert type(notice_registry.type_for("orientation_notice")).__module__ == "placements.notices"
