"""Live updates: the triage board of a desk and a ticket page listen to the channel-layer groups
the ticket services broadcast to (`desk-<id>`, `ticket-<id>`), after the access rule's checks:
a board's group only if the board opens, a ticket's only if the ticket is visible, and each
message is forwarded only if its ticket is visible to the person (a desk group also hears of
tickets leaving the desk, or of security incidents there that a member may not read)."""

import asyncio

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
    return user.pk in receivers_of([user], message)


def receivers_of(users, message: dict) -> set[int]:
    """`may_receive` for several people at once: the pks of those among `users` who hear it."""
    from tickets.access import visible_q
    from tickets.models import Ticket

    if not message.get("reference"):
        return {user.pk for user in users}
    rows = Ticket.objects.filter(reference=message["reference"])
    heard, exists = set(), None
    for user in users:
        forget_perimeter(user)
        q = visible_q(user)
        if q is None or rows.filter(q).exists():
            heard.add(user.pk)
            continue
        if exists is None:
            exists = rows.exists()
        if not exists:
            heard.add(user.pk)
    return heard


# One live message reaches every consumer of the process that listens to its groups within a few
# milliseconds: they share one access check (one trip to the database thread, each person checked
# once however many boards and pages they have open) instead of one each, queued on that thread.
SHARED_CHECK_WINDOW = 0.005
_checks: dict[tuple, "_SharedCheck"] = {}


class _SharedCheck:
    def __init__(self, key, message):
        loop = asyncio.get_running_loop()
        self.key, self.message, self.users = key, message, {}
        self.result = loop.create_future()
        loop.call_later(SHARED_CHECK_WINDOW, self._start)

    def _start(self):
        _checks.pop(self.key, None)  # a consumer arriving later starts a check of its own
        asyncio.ensure_future(self._run())

    async def _run(self):
        try:
            self.result.set_result(await database_sync_to_async(receivers_of)(list(self.users.values()), self.message))
        except Exception as exc:  # every waiting consumer hears of it, none waits forever
            self.result.set_exception(exc)


async def may_receive_now(user, message: dict) -> bool:
    """`may_receive`, checked together with the other consumers that received the same message."""
    key = (id(asyncio.get_running_loop()), message.get("reference"), message.get("version"), message.get("state"),
           message.get("desk"), message.get("level"))
    check = _checks.get(key)
    if check is None:
        check = _checks[key] = _SharedCheck(key, message)
    check.users.setdefault(user.pk, user)
    return user.pk in await check.result


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
        if not await may_receive_now(self.scope["user"], event):
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
