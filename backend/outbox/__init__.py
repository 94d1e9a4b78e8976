"""The outbox's operators' side: status, drain and retry from the CLI and the panel.

The outbox itself is core machinery (``backend/core/outbox.py``): every feature defers its
side effects through ``backend.core.db.defer``.
"""
