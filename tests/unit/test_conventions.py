"""House rules that are cheap to check mechanically (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "gridgov"
PURE = [
    "cases/workflow.py",
    "cases/sla.py",
    "cases/permissions.py",
    "catalog/calendar.py",
    "audit/chain.py",
    "grids/index.py",
    "grids/coords.py",
    "intake/pii.py",
    "intake/channels.py",
    "nlp/features.py",
    "nlp/similar.py",
    "dispatch/routing.py",
    "auth/passwords.py",
    "auth/policy.py",
    "open311/spec.py",
    "hooks/signing.py",
    "analytics/facts.py",
    "analytics/kpi.py",
    "analytics/assess.py",
]
FORBIDDEN = ("sqlalchemy", "fastapi", "starlette", "httpx", "gridgov.kit.clock", "gridgov.store")


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_no_io_and_never_read_the_clock(module: str) -> None:
    tree = ast.parse((SRC / module).read_text())
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert not name.startswith(FORBIDDEN), f"{module} imports {name}"
        if isinstance(node, ast.Attribute) and node.attr in {"now", "utcnow", "today"}:
            raise AssertionError(f"{module} reads the clock at line {node.lineno}")


def test_status_is_assigned_only_by_the_service() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and target.attr == "status":
                        offenders.append(str(path.relative_to(SRC)))
    assert offenders == ["cases/service.py"]


def test_no_file_is_past_the_size_that_asks_to_be_split() -> None:
    big = [
        p.name
        for p in SRC.rglob("*.py")
        if len(p.read_text().splitlines()) > 700 and "migrations" not in p.parts
    ]
    assert big == []
