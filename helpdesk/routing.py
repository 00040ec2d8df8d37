"""Websocket routes; apps append their consumers here."""

websocket_urlpatterns = []
