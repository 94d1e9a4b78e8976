"""Migrations are history: one line of them (a single head), and a migration that has landed
on main is never edited (0010 once changed after it landed, and databases that had run it
never got the change). When your migration lands, add its revision and its file's sha256
to ``LANDED`` (``sha256sum backend/migrations/versions/NNNN_*.py``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parents[2] / "backend" / "migrations"

#: revision of every migration on main → the sha256 of its file's text
LANDED = {
    "0001": "374df6997ccf27fd00aac43370bc6bb2e51923d70c97d94ab827df7cf5dd4771",
    "0002": "4aa164a5eda9f7cf4c84903eb42dd20a016c03488c44a5c467580b2e55a18bbe",
    "0003": "509349167276d69fa7f826129dc5ba14505a6c5ec5e33a8173265cbf18ca0ae8",
    "0004": "ea10e20ee5f237b57b3da0cf7f21526af539730e5085d186ed73d665ecf10bb8",
    "0005": "f92f5a41cc72966217d5fbcf2dfd81b3d8cfa631e23709d5f096b27c7c7f7061",
    "0006": "5217ae9f9509c95c3d54298d4b0be0e7ddc6b19bf5a3d91a4ea6f8195945d718",
    "0007": "13ff1c74d7d80f20e456758df3ab73661cd06406c7a225a073c750a7fac26e52",
    "0010": "4db49b0fb0e8cfcad8dbf7af19cff6bf63ed91e9102825e9a00fbf240fb81dba",
    "0012": "6f64c94e81b5456083aeecf2b4c09c6b4cab28bb32aca3a2348003e907710dbf",
    "0013": "6bbf31b8148d9abd0029d53d38c039983b81a6dfbb5f24a4c17719cc27f22023",
    "0014": "36a90a00bbf15ed1cfa77477c96a9f65755af79d12076282618ccdf1c20ee54c",
    "0015": "151c811610e13ac773223ec80cb6a38cd27af7b002759f1c8afc7dc8c875f135",
    "0017": "0ace8410450d4d0dc9bf6b27d9b7e0b2ea354be7a091f0239acd0b0842dd0fcf",
    "0018": "5bac36ca0e7ff9b44688cb79a34f72272707331d29b1a4aa7c069f93a8c582fa",
    "0020": "bab54490ed0ea42e26b33893243296a6655ed012181073c78839dad684e972e5",
    "0021": "e6990d9547c6c65641df0f273e81671ade60a73ebe8fd6cfe08d6a19a400565d",
    "0022": "81c5ec44f9cccca72e17f92f301ef563488705f1635f46b60571cdc09d56fc81",
    "0024": "db98a74a5667e889fc99111dc05571f21d2a6aae2707ab85618169ed87ee96c5",
    "0026": "aef8ef7cc6eaa17c4d29cd26c7ab20cf1c403e61dc7b754b9f90c715fcb46919",
    "0027": "2206fcc4cac1fe548e13ce07efff7fedfff3c20451230f8362d66c4e770ab19a",
    "0028": "6f7c8c6fca36827721a86a37c6a097c21814050c2b587fcea9b2b360a8624231",
    "0029": "03c7a82281b4a6e0e366c49a7a71719786af62e022ee47540ef265cdb4a2e8d9",
    "0030": "453f16939c32cbc323e2c4d69b3b80598f52113d6890096df731aab712618533",
    "0031": "d0072e5f2a9a4af305260c8774a57e1c161b27aeec22074e5e78fb827ee5afcc",
    "0032": "3054ee1581b67e9849437e938fdb0b8aee9fcd201f2227a235b61da351dcb638",
    "0034": "df6dc29bbef549ed7356c0fd5aee2e251d726a838900d9815bf04f2c37e7582f",
    "0035": "a324d81b6a76478f55e6076334003229386a8840695fb5ec4333c42b0faa0c1b",
    "0036": "5d0828bffe770a5daf6f5f729eb85457233509e3fc62b8de6bf4375d67df28ea",
}


def test_the_migrations_form_one_line():
    script = ScriptDirectory(str(MIGRATIONS))
    heads = script.get_heads()
    assert len(heads) == 1, f"two heads {heads}: set down_revision to main's head"
    revisions = list(script.walk_revisions())
    assert all(len(r._all_down_revisions) <= 1 for r in revisions), "no merge migrations"


def test_a_landed_migration_is_never_edited():
    versions = MIGRATIONS / "versions"
    for revision, digest in LANDED.items():
        files = list(versions.glob(f"{revision}_*.py"))
        assert len(files) == 1, f"migration {revision} landed and was renamed or removed"
        found = hashlib.sha256(files[0].read_bytes()).hexdigest()
        assert found == digest, f"{files[0].name} landed and was edited: write a new migration"
