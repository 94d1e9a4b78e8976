"""Every staff write in the panel is in the audit log (issue 17): each POST route of the
panel, taken from the app's URL map, reaches ``backend.audit.services.record`` through the
calls of its view, or is on :data:`EXEMPT` with the reason it writes nothing to audit.

The calls are followed statically (names, imported modules and their functions, methods of
the same class), so a new route whose service forgets the audit entry fails here before it
ships; ``tests/audit/test_readable.py`` then checks that what is recorded reads in Chinese.
"""

from __future__ import annotations

import ast
import functools
import inspect
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
SINK = ("backend.audit.services", "record")

#: panel POST routes that write no audit entry, and why
EXEMPT = {
    # signing in and out changes no record (sign-in failures are rate-limited and logged)
    "admin.login": "signing in changes no record",
    "admin.logout": "signing out changes no record",
}


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def _modules() -> dict[str, ast.Module]:
    found = {}
    for top in ("backend", "admin"):
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            found[_module_name(path)] = ast.parse(path.read_text(encoding="utf-8"))
    return found


@functools.cache
def _index(module: str):
    """``module``'s functions (``name`` or ``Class.name``) and what its names import."""
    tree = _modules()[module]
    functions: dict[str, ast.AST] = {}
    aliases: dict[str, tuple[str, str | None]] = {}  # name → (module, attribute or None)
    package = module if _is_package(module) else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = (a.name, None)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            for a in node.names:
                name = a.asname or a.name
                if f"{base}.{a.name}" in _modules():
                    aliases[name] = (f"{base}.{a.name}", None)
                else:
                    aliases[name] = (base, a.name)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    functions[f"{node.name}.{item.name}"] = item
    return functions, aliases


def _is_package(module: str) -> bool:
    return any(name.startswith(module + ".") for name in _modules())


def _calls(module: str, qualname: str) -> set[tuple[str, str]]:
    """The functions ``qualname`` of ``module`` calls (or passes on), as (module, name)."""
    functions, aliases = _index(module)
    node = functions.get(qualname)
    if node is None:
        return set()
    cls = qualname.rpartition(".")[0]
    out = set()
    for sub in ast.walk(node):
        target = sub.func if isinstance(sub, ast.Call) else sub
        if isinstance(target, ast.Name):
            if target.id in functions:
                out.add((module, target.id))
            elif target.id in aliases:
                mod, attr = aliases[target.id]
                if attr is not None:
                    out.add((mod, attr))
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            owner = target.value.id
            if owner in ("self", "cls") and cls:
                out.add((module, f"{cls}.{target.attr}"))
            elif owner in aliases:
                mod, attr = aliases[owner]
                out.add((mod, target.attr) if attr is None else (mod, f"{attr}.{target.attr}"))
    return out


def _resolve(module: str, name: str) -> tuple[str, str] | None:
    """Follow re-exports (``from x import f`` in a package's ``__init__``)."""
    for _ in range(5):
        if module not in _modules():
            return None
        functions, aliases = _index(module)
        if name in functions:
            return module, name
        head = name.partition(".")[0]
        if head in aliases:
            mod, attr = aliases[head]
            rest = name[len(head) :]
            module, name = (mod, (attr or "") + rest if attr else rest.lstrip("."))
            continue
        return None
    return None


def audited(module: str, qualname: str) -> bool:
    """Whether ``module.qualname`` reaches the audit log's ``record``."""
    seen = set()
    stack = [(module, qualname)]
    while stack:
        here = stack.pop()
        if here == SINK:
            return True
        if here in seen:
            continue
        seen.add(here)
        for mod, name in _calls(*here):
            if (mod, name) == SINK:
                return True
            found = _resolve(mod, name)
            if found is not None:
                stack.append(found)
    return False


def panel_posts(app) -> dict[str, tuple[str, str]]:
    """Endpoint → (module, function) of every POST route of the panel."""
    out = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin.") and "POST" in (rule.methods or ()):
            view = inspect.unwrap(app.view_functions[rule.endpoint])
            out[rule.endpoint] = (view.__module__, view.__qualname__)
    return out


def test_every_panel_post_route_writes_an_audit_entry(app):
    posts = panel_posts(app)
    assert len(posts) > 40
    missing = sorted(
        endpoint
        for endpoint, (module, name) in posts.items()
        if endpoint not in EXEMPT and not audited(module, name)
    )
    assert missing == [], f"panel POST routes that write no audit entry: {missing}"
    assert set(EXEMPT) <= set(posts), "an exemption names a route that no longer exists"


def test_the_walk_follows_services_into_the_audit_log():
    """The walk itself: a view that calls a service that records is audited; login is not."""
    assert audited("admin.tickets", "ticket_action")
    assert audited("backend.tickets.services", "apply")
    assert not audited("backend.core.money", "yuan")
