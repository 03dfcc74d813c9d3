"""The accessibility checker of the browser tests: axe-core run inside a Playwright page.

axe-core comes from the npm registry, pinned in the Makefile (`make axe`, which `make test` runs)
and installed under var/npm; nothing is fetched at test time. It is evaluated through the
DevTools protocol, which the page's Content-Security-Policy does not govern, so pages keep their
policy (no inline script is ever added to them).

`check_page` fails on any violation of impact *critical* or *serious* (the WCAG 2.x A and AA rules
and axe's best practices), except the few of third-party markup listed by the caller with a
reason (see tests/e2e/test_accessibility.py).
"""

from dataclasses import dataclass
from pathlib import Path

AXE_VERSION = "4.10.3"
AXE_SCRIPT = (
    Path(__file__).resolve().parents[2] / "var" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
)
BLOCKING_IMPACTS = ("critical", "serious")
RUN_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]
    summary: str

    def __str__(self):
        shown = ", ".join(self.targets[:5]) + (" …" if len(self.targets) > 5 else "")
        count = len(self.targets)
        return f"[{self.impact}] {self.rule}: {self.help} ({count}×: {shown})\n  {self.summary}"


@dataclass(frozen=True)
class Allowed:
    """A violation left to a third party: `rule` on elements whose selector contains `target`,
    on pages whose path starts with `path`, with the reason it is not ours to fix."""

    rule: str
    path: str
    target: str
    reason: str

    def covers(self, path: str, rule: str, target: str) -> bool:
        return rule == self.rule and path.startswith(self.path) and self.target in target


def axe_source() -> str:
    assert AXE_SCRIPT.exists(), f"axe-core {AXE_VERSION} is missing: run `make axe` (npm install)"
    return AXE_SCRIPT.read_text(encoding="utf-8")


def violations(page) -> list[Violation]:
    """Every critical or serious violation axe finds on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    version = page.evaluate("window.axe.version")
    assert version == AXE_VERSION, f"axe-core {version} is installed, the tests pin {AXE_VERSION}"
    result = page.evaluate("options => window.axe.run(document, options)", RUN_OPTIONS)
    found = []
    for violation in result["violations"]:
        if violation["impact"] not in BLOCKING_IMPACTS:
            continue
        nodes = violation["nodes"]
        found.append(
            Violation(
                rule=violation["id"],
                impact=violation["impact"],
                help=violation["help"],
                targets=tuple(" ".join(map(str, node["target"])) for node in nodes),
                summary=(nodes[0].get("failureSummary") or "").replace("\n", " ") if nodes else "",
            )
        )
    return found


def check_page(page, *, allowed: tuple[Allowed, ...] = ()) -> list[str]:
    """What is wrong with the page (empty when nothing critical or serious is), each line naming
    the page, the rule and the elements, so one failing test lists every page at once."""
    path = page.evaluate("location.pathname + location.search")
    problems = []
    for violation in violations(page):
        targets = [
            target
            for target in violation.targets
            if not any(entry.covers(path, violation.rule, target) for entry in allowed)
        ]
        if targets:
            kept = Violation(
                violation.rule, violation.impact, violation.help, tuple(targets), violation.summary
            )
            problems.append(f"{path}: {kept}")
    return problems


def assert_accessible(page, *, allowed: tuple[Allowed, ...] = ()) -> None:
    problems = check_page(page, allowed=allowed)
    assert not problems, "Accessibility violations:\n" + "\n".join(problems)
