"""Settings that keep production safe."""

from __future__ import annotations

import pytest

from backend import create_app
from backend.config import ConfigError, environ_overrides


def test_a_real_database_with_the_development_secret_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})


def test_environment_variables_override_the_defaults():
    found = environ_overrides(
        {"DATABASE_URL": "postgresql://db/linli", "LINLI_PROXY_COUNT": "1", "JOBS_INLINE": "no"}
    )

    assert found == {
        "DATABASE_URL": "postgresql://db/linli",
        "PROXY_COUNT": 1,
        "JOBS_INLINE": False,
    }


def test_behind_a_proxy_the_clients_address_is_used(tmp_path, fake_wechat):
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/p.sqlite3", "TESTING": True, "PROXY_COUNT": 1}
    )

    @app.get("/_whoami")
    def whoami():
        from flask import request

        return {"address": request.remote_addr}

    resp = app.test_client().get(
        "/_whoami",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )

    assert resp.json == {"address": "203.0.113.7"}
