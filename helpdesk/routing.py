"""Websocket routes; apps append their consumers here."""

from django.urls import path

from web.consumers import DeskBoardConsumer, TicketConsumer

websocket_urlpatterns = [
    path("ws/desks/<int:pk>/", DeskBoardConsumer.as_asgi()),
    path("ws/tickets/<int:pk>/", TicketConsumer.as_asgi()),
]
