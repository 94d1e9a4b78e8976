"""Media jobs: the periodic clean-up of photos that were uploaded but never used."""

from __future__ import annotations

from backend.core.db import defer, transaction_token
from backend.jobs import job
from backend.media import services


@job
def delete_unattached_photos_job() -> int:
    """Delete photos unattached for 24 hours, and then their files (safe to run twice)."""
    hashes = services.delete_unattached_photos()
    if hashes:
        # a hash can come back (the same photo uploaded again) and go again: per sweep
        defer(delete_stored_files, hashes, key=f"delete-files:{transaction_token()}")
    return len(hashes)


@job
def delete_stored_files(hashes: list[str]) -> None:
    """Remove the stored files of photos that no longer exist."""
    services.delete_files_of(hashes)


@job
def delete_orphaned_files_job() -> int:
    """Remove stored objects no row references after the grace period (safe to run twice)."""
    return services.delete_orphaned_files()
