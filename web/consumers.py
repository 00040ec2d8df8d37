"""Live updates: the triage board of a desk and a ticket page listen to the channel-layer groups
the ticket services broadcast to (`desk-<id>`, `ticket-<id>`), after the access rule's checks:
a board's group only if the board opens, a ticket's only if the ticket is visible, and each
message is forwarded only if its ticket is visible to the person (a desk group also hears of
tickets leaving the desk, or of security incidents there that a member may not read)."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from directory.selectors import forget_perimeter, may_open_board

# Close codes in the 4000 range are for the application (RFC 6455 §7.4.2).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


def may_follow_desk(user, desk_id: int) -> bool:
    return may_open_board(user, desk_id)


def may_follow_ticket(user, ticket) -> bool:
    """The access rule on one ticket (a Ticket or its pk)."""
    from tickets.access import can_view

    return can_view(user, ticket)


def may_receive(user, message: dict) -> bool:
    """Is this live message about a ticket `user` may read now? (The connection outlives the
    perimeter read at connect: it is read again.) A reference naming no ticket tells nothing
    about one, so it goes through."""
    from tickets.access import visible_q
    from tickets.models import Ticket

    reference = message.get("reference")
    if not reference:
        return True
    forget_perimeter(user)
    q = visible_q(user)
    if q is None:
        return True
    rows = Ticket.objects.filter(reference=reference)
    return rows.filter(q).exists() or not rows.exists()


class _GroupConsumer(AsyncJsonWebsocketConsumer):
    group_prefix = ""

    async def allowed(self, user, object_id: int) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        object_id = int(self.scope["url_route"]["kwargs"]["pk"])
        if not await self.allowed(user, object_id):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group_name = f"{self.group_prefix}-{object_id}"
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if getattr(self, "group_name", None):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # Read-only channel: actions go through the HTTP views (CSRF, permissions, versions).
        return

    async def ticket_changed(self, event):
        if not await database_sync_to_async(may_receive)(self.scope["user"], event):
            return
        await self.send_json({k: v for k, v in event.items() if k != "type"} | {"event": "ticket.changed"})


class DeskBoardConsumer(_GroupConsumer):
    group_prefix = "desk"

    async def allowed(self, user, object_id):
        return await database_sync_to_async(may_follow_desk)(user, object_id)


class TicketConsumer(_GroupConsumer):
    group_prefix = "ticket"

    async def allowed(self, user, object_id):
        return await database_sync_to_async(may_follow_ticket)(user, object_id)
