"""Wire the webhooks into the tickets outbox: each `webhook` outbox message fans out to the
subscriptions that want its type (from the event vocabulary, `tickets.events`) and whose client may
read the ticket and the timeline line (its audience)."""


def webhook_event_type(outbox_event_name: str) -> str | None:
    from tickets.events import webhook_type

    return webhook_type(outbox_event_name)


def deliver_outbox_message(message) -> None:
    from tickets.outbox import utc_timestamps

    from .webhooks import fan_out

    event_type = webhook_event_type(message.event_name)
    if event_type is None:  # not a webhook event (a row written before its type was retired)
        return
    # One zone for every timestamp (an outage's arrive as declared, a row may predate the rule).
    payload = utc_timestamps(dict(message.payload))
    payload["event"] = event_type
    fan_out(event_type, payload, ticket=message.ticket, event=message.event, source=f"o{message.pk}")


def _register():
    try:
        from tickets import outbox
    except ImportError:  # the tickets app without an outbox: nothing to wire
        return
    outbox.register_handler("webhook", deliver_outbox_message)


_register()
