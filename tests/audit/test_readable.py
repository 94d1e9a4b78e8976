"""The audit log reads in Chinese (issue 17): every field a feature records has a Chinese
name (its entity's, or the log's common ones), amounts read in 元 and enums by label."""

from __future__ import annotations

import ast
import pathlib

from backend.audit import services as audit
from backend.audit.models import AuditEntry
from backend.core.feature import AuditEntity
from backend.features import AUDIT_ENTITIES

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent


def recorded_fields() -> dict[str, set[str]]:
    """Entity type → the field names written literally in ``audit.record(…)`` calls
    (``before``/``after`` dicts, and ``audit.snapshot`` of literal or module-level tuples)."""
    found: dict[str, set[str]] = {}
    for top in ("backend", "admin"):
        for path in (ROOT / top).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            tuples = {
                node.targets[0].id: [e.value for e in node.value.elts]
                for node in tree.body
                if isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Tuple | ast.List)
                and all(isinstance(e, ast.Constant) for e in node.value.elts)
            }
            for node in ast.walk(tree):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "record"
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "audit"
                    and len(node.args) > 2
                    and isinstance(node.args[2], ast.Constant)
                ):
                    continue
                keys = found.setdefault(node.args[2].value, set())
                for kw in node.keywords:
                    if kw.arg not in ("before", "after"):
                        continue
                    for sub in ast.walk(kw.value):
                        if isinstance(sub, ast.Dict):
                            keys |= {k.value for k in sub.keys if isinstance(k, ast.Constant)}
            for node in ast.walk(tree):
                # ``after = audit.snapshot(item, ITEM_FIELDS)`` next to a record of ``fee_item``
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "snapshot"
                    and len(node.args) == 2
                ):
                    fields = node.args[1]
                    names = (
                        tuples.get(fields.id, [])
                        if isinstance(fields, ast.Name)
                        else [
                            e.value
                            for e in getattr(fields, "elts", [])
                            if isinstance(e, ast.Constant)
                        ]
                    )
                    found.setdefault("*snapshot:" + path.name, set()).update(names)
    return found


def test_every_recorded_field_has_a_chinese_name():
    unnamed = {}
    for entity, keys in recorded_fields().items():
        kind = AUDIT_ENTITIES.get(entity) or AuditEntity(entity)
        names = {key: audit.field_label(kind, key) for key in keys}
        if entity.startswith("*snapshot:"):
            # snapshots: named by some entity or by the common names
            names = {
                key: next(
                    (e.fields[key] for e in AUDIT_ENTITIES.values() if key in e.fields),
                    audit.COMMON_FIELDS.get(key, key),
                )
                for key in keys
            }
        else:
            assert entity in AUDIT_ENTITIES, f"audit entity {entity!r} is not declared"
        bad = sorted(key for key, name in names.items() if name.isascii())
        if bad:
            unnamed[entity] = bad
    assert unnamed == {}, f"recorded fields without a Chinese name: {unnamed}"


def test_a_fee_entry_reads_in_words_and_yuan(db):
    """The finding: fee entries showed ``amount_fen 43878``, ``method cash``."""
    entry = AuditEntry(
        action="payment.offline",
        entity_type="payment",
        entity_id="1",
        after={"amount_fen": 43878, "method": "cash", "receipt_no": "R1", "period": "2026-05"},
    )
    row = audit.readable([entry])[0]
    changes = {c.field: c.after for c in row.changes}
    assert changes == {
        "金额": "438.78 元",
        "收款方式": "现金",
        "收据编号": "R1",
        "账期": "2026-05",
    }
    assert not row.action.isascii()
    assert row.record.startswith("收款：")
