"""The arrows between the layers run one way: features build on ``authz`` and the core,
which know no feature; the registry tells them what it holds at app start. The fake WeChat
server is a separate program that shares data files with the backend, never code."""

from __future__ import annotations

import pathlib
import subprocess
import sys

from tests.helpers import imported_modules

ROOT = pathlib.Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
#: the feature packages: those with a ``feature.py`` (``backend/core`` defines the class)
FEATURES = sorted(p.parent.name for p in BACKEND.glob("*/feature.py") if p.parent.name != "core")


def imports_of(folder: pathlib.Path) -> dict[str, set[str]]:
    """Module → every module it imports anywhere in its text (lazy imports included)."""
    return {
        str(path.relative_to(ROOT)): imported_modules(path) for path in sorted(folder.rglob("*.py"))
    }


def is_feature_module(name: str) -> bool:
    parts = name.split(".")
    return name == "backend.features" or (
        len(parts) >= 2 and parts[0] == "backend" and parts[1] in FEATURES
    )


def test_the_feature_packages_are_found():
    assert {"fees", "tickets", "supervision", "board", "votes", "org"} <= set(FEATURES)


def test_the_core_imports_no_feature():
    for module, names in imports_of(BACKEND / "core").items():
        wrong = sorted(n for n in names if is_feature_module(n))
        assert not wrong, f"{module} imports {wrong}"


def test_authz_imports_no_feature_module_at_import_time():
    """``authz`` reads models (tests/authz/test_layers.py); the permission table is
    installed by the app factory, so importing ``authz`` imports no ``feature.py``."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, backend.authz.scope, backend.authz.resident, backend.authz.tokens; "
            "print(sorted(m for m in sys.modules "
            "if m == 'backend.features' or m.endswith('.feature')))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert loaded == "[]", loaded


def test_the_money_engine_leans_on_no_messaging():
    names = imported_modules(BACKEND / "fees" / "money.py")
    assert not [n for n in names if is_feature_module(n)], sorted(names)


def test_the_fake_wechat_server_imports_nothing_from_the_backend():
    for module, names in imports_of(ROOT / "miniapp_mock").items():
        wrong = sorted(n for n in names if n == "backend" or n.startswith(("backend.", "admin")))
        assert not wrong, f"{module} imports {wrong}"


def test_tickets_do_not_import_supervision():
    for module, names in imports_of(BACKEND / "tickets").items():
        assert not [n for n in names if n.startswith("backend.supervision")], module


def feature_graph() -> dict[str, set[str]]:
    """Feature → the features whose code (not models or schemas: declarations) it imports."""
    graph: dict[str, set[str]] = {name: set() for name in FEATURES}
    for feature in FEATURES:
        for names in imports_of(BACKEND / feature).values():
            for name in names:
                parts = name.split(".")
                if (
                    len(parts) >= 3
                    and parts[0] == "backend"
                    and parts[1] in FEATURES
                    and parts[1] != feature
                    and parts[2] not in ("models", "schemas")
                ):
                    graph[feature].add(parts[1])
    return graph


def test_no_two_features_import_each_other_in_a_cycle():
    graph = feature_graph()
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycle = [*path[path.index(nxt) :], nxt]
                raise AssertionError("features import each other: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for feature in FEATURES:
        if feature not in state:
            visit(feature, [feature])
