"""Errors are raised fresh: no module keeps an exception instance to raise again."""

from __future__ import annotations

import sys


def _kept_exceptions(value, depth: int = 0) -> bool:
    if isinstance(value, BaseException):
        return True
    if depth < 2 and isinstance(value, dict):
        return any(_kept_exceptions(v, depth + 1) for v in value.values())
    if depth < 2 and isinstance(value, list | tuple | set | frozenset):
        return any(_kept_exceptions(v, depth + 1) for v in value)
    return False


def test_no_module_keeps_an_exception_instance(app):
    """A stored instance gathers every raise's traceback (and the requests it holds)."""
    ours = [
        module
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in {"backend", "admin", "miniapp_mock"} and module is not None
    ]

    kept = [
        f"{module.__name__}.{name}"
        for module in ours
        for name, value in vars(module).items()
        if _kept_exceptions(value)
    ]

    assert len(ours) > 20
    assert kept == []
