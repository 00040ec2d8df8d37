"""Signals of the directory for the apps above it (it imports none of them)."""

from django.dispatch import Signal

# A convention's deadline was reminded (directory.reminders): kwargs reminder, user_ids, message,
# link (the convention's page). tickets turns it into in-app notifications (the bell).
convention_reminder_sent = Signal()
