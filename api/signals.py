"""Wire the webhooks into the tickets outbox: each `webhook` outbox message fans out to the
subscriptions that want the event and whose client may see the ticket."""

from .models import WebhookEvent

# Outbox event names that are not webhook event types of their own.
_ALIASES = {
    "ticket.noted": "ticket.commented",
    "ticket.info_requested": "ticket.updated",
    "ticket.reopened": "ticket.updated",
    "ticket.cancelled": "ticket.updated",
}


def webhook_event_type(outbox_event_name: str) -> str:
    name = _ALIASES.get(outbox_event_name, outbox_event_name)
    return name if name in WebhookEvent.values else "ticket.updated"


def deliver_outbox_message(message) -> None:
    from .webhooks import fan_out

    payload = dict(message.payload)
    event_type = webhook_event_type(message.event_name)
    payload["event"] = event_type
    fan_out(event_type, payload, ticket=message.ticket, source=f"o{message.pk}")


def _register():
    try:
        from tickets import outbox
    except ImportError:  # the tickets app without an outbox: nothing to wire
        return
    outbox.register_handler("webhook", deliver_outbox_message)


_register()
