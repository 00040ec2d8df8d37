"""Data-subject rights, retention per convention, breach notifications, login throttling."""
