"""Problem details in French by default, in English with Accept-Language: en (api/locale)."""

from .factories import vendor_ticket


def test_problem_messages_follow_accept_language(world, make_client):
    _c, en = make_client(vendor="ode", lang="en")
    _c, fr = make_client(vendor="ode", lang="fr")
    ticket = vendor_ticket(world)

    body = en.post(f"/api/v1/tickets/{ticket.reference}/comments/", {"body": "x", "surprise": 1}, format="json").json()
    assert body["title"] == "Bad request"
    assert body["detail"] == "The request has 1 error(s): surprise: Unknown field."
    assert body["errors"] == [{"field": "surprise", "message": "Unknown field.", "code": "invalid"}]
    body = fr.post(f"/api/v1/tickets/{ticket.reference}/comments/", {"body": "x", "surprise": 1}, format="json").json()
    assert body["title"] == "Requête invalide" and body["errors"][0]["message"] == "Champ inconnu."

    assert en.get("/api/v1/tickets/ENT-1999-000001/").json()["detail"] == "Not found, or outside your perimeter."
    assert fr.get("/api/v1/tickets/ENT-1999-000001/").json()["detail"] == "Ressource introuvable ou hors de votre périmètre."

    body = en.post(f"/api/v1/tickets/{ticket.reference}/transitions/take/", {}, format="json").json()
    assert body["status"] == 428 and body["detail"].startswith("The If-Match header is required")
    body = en.post(f"/api/v1/tickets/{ticket.reference}/transitions/take/", {}, format="json", HTTP_IF_MATCH='"999"').json()
    assert body["title"] == "Precondition failed" and body["detail"] == "The ticket changed since your last read (stale ETag)."

    en.credentials(HTTP_AUTHORIZATION="Bearer nope", HTTP_ACCEPT_LANGUAGE="en")
    assert en.get("/api/v1/tickets/").json()["detail"] == "Invalid or expired access token."
