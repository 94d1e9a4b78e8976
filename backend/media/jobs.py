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
    # voice notes never attached to a report go with them, after the same time
    voices = services.delete_unattached_voice_notes()
    if voices:
        defer(delete_voice_files, voices, key=f"delete-voices:{transaction_token()}")
    return len(hashes) + len(voices)


@job
def delete_stored_files(hashes: list[str]) -> None:
    """Remove the stored files of photos that no longer exist."""
    services.delete_files_of(hashes)


@job
def delete_orphaned_files_job() -> int:
    """Remove stored objects no row references after the grace period (safe to run twice)."""
    return services.delete_orphaned_files()


@job
def delete_voice_files(hashes: list[str]) -> None:
    """Remove the stored files of voice notes that no longer exist."""
    services.delete_voice_files_of(hashes)
