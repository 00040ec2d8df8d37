"""Signals of the directory for the apps above it (it imports none of them)."""

from django.dispatch import Signal

# A convention's deadline was reminded (directory.reminders), sent inside the run's transaction:
# kwargs reminder, user_ids, message, link (the convention's page) for the in-app notifications (the
# bell); subject, body, addresses (the parties' e-mails) for the mail. tickets turns it into bells
# and one outbox mail per address (delivered with retries, HTML part and Auto-Submitted headers).
convention_reminder_sent = Signal()
