"""Authorization sits below the features: features import ``backend.authz``, which reads
models and the feature declarations only, and org never imports accounts (no cycle)."""

from __future__ import annotations

import pathlib

import backend
from tests.helpers import imported_modules

ROOT = pathlib.Path(backend.__file__).parent


def imports(package: str) -> dict[str, set[str]]:
    """Module → the ``backend`` modules it imports at run time (``TYPE_CHECKING`` aside)."""
    return {
        str(path.relative_to(ROOT)): {n for n in imported_modules(path) if n.startswith("backend.")}
        for path in (ROOT / package).rglob("*.py")
    }


def test_org_does_not_import_accounts():
    for module, names in imports("org").items():
        assert not [n for n in names if n.startswith("backend.accounts")], module


def test_authz_reads_models_and_declarations_only():
    allowed_prefixes = ("backend.authz", "backend.core", "backend.extensions", "backend.features")
    for module, names in imports("authz").items():
        for name in names:
            parts = name.split(".")
            assert name.startswith(allowed_prefixes) or (
                len(parts) >= 3 and parts[2] == "models"
            ), f"{module} imports {name}"


def test_features_take_authorization_from_authz():
    for package in ("org", "accounts", "notify", "audit", "media", "tickets"):
        for module, names in imports(package).items():
            assert "backend.accounts.scope" not in names, module
            assert "backend.accounts.auth" not in names, module


def test_the_bearer_scheme_is_defined_once(app):
    """One definition (``backend.authz.resident``) and every protected route refers to it."""
    sources = [
        p for p in ROOT.rglob("*.py") if '"scheme": "bearer"' in p.read_text(encoding="utf-8")
    ]
    assert [str(p.relative_to(ROOT)) for p in sources] == ["authz/resident.py"]
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert spec["components"]["securitySchemes"] == {"bearer": {"type": "http", "scheme": "bearer"}}
    operations = [op for path in spec["paths"].values() for op in path.values()]
    secured = [op for op in operations if isinstance(op, dict) and op.get("security")]
    assert secured and all(op["security"] == [{"bearer": []}] for op in secured)
