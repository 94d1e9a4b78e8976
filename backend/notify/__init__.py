"""Notifications (消息): WeChat subscribe messages against residents' consents, and the
in-app message center.

The one call every feature makes to tell a resident something::

    from backend.notify import notify_resident

    notify_resident(
        resident.id, "ticket_status_changed", estate_id=ticket.estate_id,
        ticket_id=ticket.id, ticket_no=ticket.number, title=ticket.title,
        status_label="处理中", at=utcnow(),
    )

- ``event`` names a builder in :mod:`backend.notify.messages` (``EVENTS``): binding
  approved, ticket status changed, bill issued, payment received, fee reminder, vote
  announced / closing / result, must-read notice, 督办 answered. The builder's keyword
  arguments are the facts; it fills the event's template through the typed keyword helpers
  of :mod:`backend.notify.keywords`, so WeChat never refuses a value (47003).
- The message is always stored in the resident's message center (``GET /api/v1/me/messages``).
- It goes out on WeChat only when the resident has a consent left for the template: the
  mini-app reports each ``wx.requestSubscribeMessage`` answer to
  ``POST /api/v1/me/subscriptions``; one 允许 allows one message. No consent: message
  center only (``app_only``). WeChat's 43101: ``refused``, never retried; transient errors
  are retried with backoff; every try is recorded.
- Call it inside the request's transaction (it never commits); the WeChat job starts after
  the commit, so a rolled-back change sends nothing.

Templates (ids, titles, typed keywords, one-time or long-term) are defined once in
``backend/wechat/subscribe_templates.toml``, shared with the fake WeChat server.
"""

from backend.notify.services import notify_resident

__all__ = ["notify_resident"]
