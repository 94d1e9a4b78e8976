"""Board jobs: must-read reminders (once per owner) and the periodic sweep for them."""

from __future__ import annotations

from backend.board import services
from backend.jobs import job


@job
def send_must_read_reminders(post_id: int) -> int:
    """Tell each owner who has not read must-read post ``post_id`` about it, once."""
    return services.remind_unread_owners(post_id)


@job
def remind_must_read_job() -> int:
    """Remind owners of every live must-read post they have not read (new owners too);
    each owner is reminded of a post once, so running it again sends nothing twice."""
    return sum(
        services.remind_unread_owners(post_id) for post_id in services.must_read_posts_to_remind()
    )
