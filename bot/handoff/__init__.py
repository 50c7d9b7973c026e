"""Staff handoff: tickets in SQL, webhook notifications to staff, and the staff CLI. No Rasa imports."""

from bot.handoff.migrate import upgrade_database
from bot.handoff.models import NotificationStatus, Status
from bot.handoff.notifier import NotificationOutcome, WebhookNotifier
from bot.handoff.service import open_handoff, retry_notifications
from bot.handoff.store import (
    HandoffError,
    InvalidTransition,
    TicketNotFound,
    TicketStore,
    TicketView,
    default_database_url,
)
from bot.kinds import Finding, Reason, Severity

__all__ = [
    "Finding",
    "HandoffError",
    "InvalidTransition",
    "NotificationOutcome",
    "NotificationStatus",
    "Reason",
    "Severity",
    "Status",
    "TicketNotFound",
    "TicketStore",
    "TicketView",
    "WebhookNotifier",
    "default_database_url",
    "open_handoff",
    "retry_notifications",
    "upgrade_database",
]
