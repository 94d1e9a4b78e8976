"""One authorization layer (issue 17): no module outside ``backend/authz`` decides anything
by comparing staff roles. Features declare which roles hold a permission (``feature.py``)
and ask ``backend.authz.scope`` (``can``/``require``, the scope rules and named predicates);
a role switch anywhere else is how seven copies grew and reports came to check nothing."""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
SCANNED = ("backend", "admin")
#: modules that may mention roles in comparisons, and why
EXEMPT = {
    # seed data picks its demo actors by role; it grants nothing
    "demo.py": "seed data",
}
#: what the roles of residents (owner, family, tenant) are compared with: a resident's
#: standing in a unit, not a staff permission
RESIDENCY_MARKERS = {"ResidencyRole", "Residency", "residency"}
STAFF_ROLE_NAMES = {"StaffRole", "COMPANY_ROLES", "ROLE_SCOPE_FIELD"}


def _walk(node: ast.AST):
    """``ast.walk`` that does not enter a call's arguments: what a call returns is not
    the role passed to it (``implied_scope(actor, role)``)."""
    yield node
    children = [node.func] if isinstance(node, ast.Call) else ast.iter_child_nodes(node)
    for child in children:
        yield from _walk(child)


def _names(node: ast.AST) -> set[str]:
    found = set()
    for sub in _walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            found.add("." + sub.attr)
    return found


def _annotations(tree: ast.Module) -> set[int]:
    """Ids of the nodes inside type annotations (``Mapped[StaffRole]`` decides nothing)."""
    roots = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            roots.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            roots.append(node.returns)
    return {id(sub) for root in roots for sub in ast.walk(root)}


def _derived(tree: ast.Module, seeds: set[str]) -> set[str]:
    """``seeds`` and the module-level names built from them
    (``DESK = frozenset({StaffRole.…})``)."""
    derived = set(seeds)
    changed = True
    while changed:
        changed = False
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if _names(stmt.value) & derived:
                    for t in targets:
                        if isinstance(t, ast.Name) and t.id not in derived:
                            derived.add(t.id)
                            changed = True
    return derived


def role_switches(source: str) -> list[int]:
    """Lines of ``source`` that compare, test membership of, or look up a staff role."""
    tree = ast.parse(source)
    role_sets = _derived(tree, STAFF_ROLE_NAMES)
    residency = _derived(tree, RESIDENCY_MARKERS)
    annotations = _annotations(tree)

    def mentions_role(node: ast.AST) -> bool:
        names = _names(node)
        if names & residency:
            return False
        return bool(names & role_sets) or ".role" in names or "role" in names

    lines = []
    for node in ast.walk(tree):
        if id(node) in annotations:
            continue
        if isinstance(node, ast.Compare):
            if _names(node) & residency:
                continue
            if any(mentions_role(o) for o in [node.left, *node.comparators]):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            # ``Staff.role.in_(…)``, ``ROLES.get(staff.role)``
            membership = node.func.attr == "in_" and mentions_role(node.func.value)
            lookup = node.func.attr == "get" and any(mentions_role(a) for a in node.args)
            if membership or lookup:
                lines.append(node.lineno)
        elif isinstance(node, ast.Subscript) and mentions_role(node.slice):
            if not _names(node.value) & residency:
                lines.append(node.lineno)
        elif isinstance(node, ast.Match) and mentions_role(node.subject):
            lines.append(node.lineno)
    return sorted(set(lines))


def scanned_modules():
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if rel.parts[:2] == ("backend", "authz") or "migrations" in rel.parts:
                continue
            if path.name in EXEMPT:
                continue
            yield rel, path


def test_no_module_outside_authz_compares_staff_roles():
    found = {
        str(rel): lines
        for rel, path in scanned_modules()
        if (lines := role_switches(path.read_text(encoding="utf-8")))
    }
    assert found == {}, f"role switches outside backend/authz (ask backend.authz.scope): {found}"


@pytest.mark.parametrize(
    "source",
    [
        "if staff.role == StaffRole.technician: pass",
        "x = actor.role in COMPANY_ROLES",
        "TECH = frozenset({StaffRole.technician})\nok = role in TECH",
        "ok = actor.staff.role not in a.staff",
        "p = ROLE_PUBLISHER.get(staff.role)",
        "q = sa.select(Staff).where(Staff.role.in_(roles))",
        "f = FILES[actor.role]",
        "ok = s.role.value == 'service_desk'",
    ],
)
def test_the_scan_finds_a_role_switch(source):
    assert role_switches(source)


@pytest.mark.parametrize(
    "source",
    [
        "ok = residency.role == ResidencyRole.owner",
        "q = sa.select(Residency).where(Residency.role.in_(roles))",
        "label = staff.role.label",
        "ok = scope.can(staff, 'ticket.work')",
        "staff.role = role",
    ],
)
def test_the_scan_leaves_residents_roles_and_labels_alone(source):
    assert not role_switches(source)
