"""`ticket_transitioned` is sent inside the transaction, right after the timeline event is written
(also for `open`), with kwargs `ticket`, `event` and `before` (the ticket's field values before the
change, by attname; None when it is opened). Receivers run in the same transaction: if they
raise, the transition is rolled back. The SLA app connects here to start/pause/stop its clocks."""

from django.dispatch import Signal

ticket_transitioned = Signal()
