"""Reads of incoming mail, scoped to the desks a person works on or supervises
(`directory.selectors.desks_for`, the rule of the desks' boards)."""

from __future__ import annotations

from django.db.models import QuerySet

from directory.selectors import desks_for

from .models import InboundMessage, Status


def held_for(user) -> QuerySet[InboundMessage]:
    return (InboundMessage.objects.filter(status=Status.HELD, mailbox__desk__in=desks_for(user).values("pk"))
            .select_related("mailbox__desk", "sender_user", "ticket").defer("raw").order_by("-received_at", "-pk"))


def held_message(user, pk) -> InboundMessage | None:
    return held_for(user).filter(pk=pk).first()


def may_see_held(user) -> bool:
    return user.is_authenticated and desks_for(user).exists()
