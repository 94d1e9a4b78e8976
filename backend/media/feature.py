"""Photos and files, as registered with the app (see ``backend/features.py``)."""

from backend.core.feature import Feature, PeriodicJob

feature = Feature(
    name="media",
    label="照片",
    models="backend.media.models",
    api="backend.media.api:blp",
    # photos (and voice notes) uploaded but never attached to anything are deleted after a day
    # and stored files no row references (a crash between the file and its row) after a day
    jobs=(
        PeriodicJob("backend.media.jobs:delete_unattached_photos_job", interval=3600),
        PeriodicJob("backend.media.jobs:delete_orphaned_files_job", interval=3600),
    ),
)
