"""The API sits at the top of the house beside the demo (import-linter's layers contract) and
writes nothing itself: every change goes through a service of the app that owns the data."""

import ast
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[2] / "api"
# Methods that write rows, on a model, a manager, a queryset or a serializer.
WRITES = {
    "save",
    "delete",
    "create",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "add",
    "remove",
    "set",
    "clear",
}


def writes_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [
        f"{path.name}:{node.lineno} .{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in WRITES
    ]


@pytest.mark.parametrize("module", ["views.py", "serializers.py", "docs_views.py", "urls.py"])
def test_the_api_writes_only_through_services(module):
    assert writes_in(API / module) == []


def test_the_check_would_see_a_direct_write(tmp_path):
    sneaky = tmp_path / "views.py"
    sneaky.write_text("def f(a):\n    a.status = 'cancelled'\n    a.save()\n")
    assert writes_in(sneaky) == ["views.py:3 .save()"]


def test_every_write_of_the_api_calls_a_placement_service():
    source = (API / "views.py").read_text()
    for service in ("attachment_create", "attachment_update", "attachment_cancel"):
        assert f"{service}(" in source
