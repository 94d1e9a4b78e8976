"""What every bench shares, so that none of them can rot unnoticed.

A bench is a script under ``bench/`` with a ``__main__`` block (the ``*_floor.py`` servers
and this module are not). Each one:

- builds its own PostgreSQL database, ``linli_bench_<name>`` (``--database``; dropped and
  made anew, dropped afterwards unless ``--keep``), so it never touches another's tables;
- takes ``--smoke``: sizes that run in seconds, which ``make test`` uses on the real stack
  (``tests/test_bench.py``: the bench exits 0 and its last line is JSON with the keys
  bench/README.md documents). The real sizes stay the defaults;
- prints, as its last line, one JSON object with its figures.

Parallel runs must not collide, so two environment variables move every bench at once
(``tests/test_bench.py`` sets them from the test database and Redis):
``LINLI_BENCH_DB_SUFFIX`` appends ``_<suffix>`` to every database name,
``LINLI_BENCH_ADMIN_URL`` is the PostgreSQL URL allowed to create databases and
``LINLI_BENCH_REDIS_URL`` the Redis database the benches use (flushed by some).
"""

from __future__ import annotations

import argparse
import os

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def database_name(bench: str) -> str:
    """The database bench ``bench`` builds: ``linli_bench_<bench>[_<LINLI_BENCH_DB_SUFFIX>]``."""
    suffix = os.environ.get("LINLI_BENCH_DB_SUFFIX")
    return f"linli_bench_{bench}" + (f"_{suffix}" if suffix else "")


def admin_url() -> str:
    """A PostgreSQL URL allowed to create and drop databases."""
    return os.environ.get("LINLI_BENCH_ADMIN_URL", DEFAULT_ADMIN_URL)


def redis_url(default: str) -> str:
    """The Redis database of a bench: ``LINLI_BENCH_REDIS_URL`` when set, else ``default``."""
    return os.environ.get("LINLI_BENCH_REDIS_URL", default)


def add_arguments(parser: argparse.ArgumentParser, bench: str, *, keep: str = "--keep") -> None:
    """``--smoke``, ``--database``, ``--admin-url`` and ``--keep`` (``keep``: its spelling)."""
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="sizes that run in seconds (make test runs every bench so); overrides the sizes",
    )
    parser.add_argument(
        "--database",
        default=database_name(bench),
        help="the database to build (dropped and made anew, dropped afterwards)",
    )
    parser.add_argument(
        "--admin-url", default=admin_url(), help="a PostgreSQL URL allowed to create databases"
    )
    parser.add_argument(keep, action="store_true", help="keep the database afterwards")


def smoke(args: argparse.Namespace, **sizes) -> argparse.Namespace:
    """With ``--smoke``, ``args`` with ``sizes`` in place of what was given; else ``args``."""
    if args.smoke:
        for name, value in sizes.items():
            setattr(args, name, value)
    return args
