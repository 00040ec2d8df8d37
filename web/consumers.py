"""Live updates: the triage board of a desk and a ticket page listen to the channel-layer groups
the ticket services broadcast to (`desk-<id>`, `ticket-<id>`), after a perimeter check."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from directory.selectors import desks_for

# Close codes in the 4000 range are for the application (RFC 6455 §7.4.2).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


def _may_watch_desk(user, desk_id: int) -> bool:
    return desks_for(user).filter(pk=desk_id).exists()


def _may_watch_ticket(user, ticket_id: int) -> bool:
    from tickets.selectors import visible_to

    return visible_to(user).filter(pk=ticket_id).exists()


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
        await self.send_json({k: v for k, v in event.items() if k != "type"} | {"event": "ticket.changed"})


class DeskBoardConsumer(_GroupConsumer):
    group_prefix = "desk"

    async def allowed(self, user, object_id):
        return await database_sync_to_async(_may_watch_desk)(user, object_id)


class TicketConsumer(_GroupConsumer):
    group_prefix = "ticket"

    async def allowed(self, user, object_id):
        return await database_sync_to_async(_may_watch_ticket)(user, object_id)
