"""English for the API's own messages: `python api/locale/en_messages.py` fills api/locale/en/LC_MESSAGES/
django.po (after `cd api && ../manage.py makemessages -l en --no-location`), then compilemessages."""

import re
import sys
from pathlib import Path

EN = {
    # authentication and scopes
    "Jeton d'accès invalide ou expiré.": "Invalid or expired access token.",
    "Ce jeton n'est rattaché à aucun client d'API.": "This token belongs to no API client.",
    "Ce client d'API a été révoqué.": "This API client has been revoked.",
    "Ce jeton n'a pas la portée requise : %(scopes)s.": "This token lacks the required scope: %(scopes)s.",
    # strict input
    "Un objet JSON est attendu.": "A JSON object is expected.",
    "Champ inconnu.": "Unknown field.",
    "Aucun champ à modifier.": "No field to change.",
    "Aucune école avec cet UAI.": "No school with this UAI.",
    "Guichet inconnu.": "Unknown desk.",
    "Service inconnu.": "Unknown service.",
    "Académie inconnue.": "Unknown académie.",
    "UAI inconnus : %(uais)s.": "Unknown UAIs: %(uais)s.",
    "Un objet JSON Alertmanager est attendu.": "An Alertmanager JSON object is expected.",
    "Seules les URL http(s) sont acceptées.": "Only http(s) URLs are accepted.",
    "Portées inconnues ou absentes : %(bad)s (possibles : %(ok)s).": "Unknown or missing scopes: %(bad)s (possible: %(ok)s).",
    "Événements inconnus ou absents : %(bad)s.": "Unknown or missing events: %(bad)s.",
    "Un client d'API appartient à un éditeur ou à un guichet, exactement un des deux.":
        "An API client belongs to a vendor or to a desk, exactly one of them.",
    "Les abonnements webhook appartiennent à un client d'API : authentifiez-vous avec un jeton OAuth2.":
        "Webhook subscriptions belong to an API client: authenticate with an OAuth2 token.",
    # strict JSON types, ordering, guard fields
    "Une chaîne de caractères est attendue.": "A string is expected.",
    "true ou false attendu.": "true or false expected.",
    "Un nombre entier est attendu.": "An integer is expected.",
    "Tri inconnu : %(bad)s (possibles : %(ok)s ; « - » devant pour l'ordre décroissant).":
        "Unknown ordering: %(bad)s (possible: %(ok)s; a leading “-” for descending order).",
    "À renseigner pour transmettre le ticket à l'éditeur.": "Required to hand the ticket over to the vendor.",
    # idempotency
    "Cette clé d'idempotence a déjà servi pour une autre requête ; utilisez une nouvelle clé.":
        "This idempotency key was already used for another request; use a new key.",
    "Une requête avec cette clé d'idempotence est encore en cours ; réessayez dans un instant.":
        "A request with this idempotency key is still running; retry in a moment.",
    "Clé d'idempotence en cours d'utilisation ; réessayez.": "Idempotency key in use; retry.",
    "En-tête Idempotency-Key invalide (1 à 255 caractères ASCII imprimables).":
        "Invalid Idempotency-Key header (1 to 255 printable ASCII characters).",
    # problems
    "L'en-tête If-Match est obligatoire : renvoyez l'ETag de la dernière lecture du ticket.":
        "The If-Match header is required: send the ETag of your last read of the ticket.",
    "Le ticket a changé depuis votre dernière lecture (ETag périmé).": "The ticket changed since your last read (stale ETag).",
    "Une autre action a modifié le ticket au même moment ; relisez-le puis réessayez.":
        "Another action changed the ticket at the same moment; read it again, then retry.",
    "Corps de requête trop volumineux (limite : %(limit)s octets).": "Request body too large (limit: %(limit)s bytes).",
    "Requête invalide": "Bad request",
    "Authentification requise": "Authentication required",
    "Action interdite": "Forbidden",
    "Ressource introuvable": "Not found",
    "Méthode non autorisée": "Method not allowed",
    "Format de réponse non disponible": "Response format not available",
    "Conflit": "Conflict",
    "Précondition non remplie": "Precondition failed",
    "Requête trop volumineuse": "Payload too large",
    "Type de contenu non pris en charge": "Unsupported media type",
    "Requête impossible à traiter": "Unprocessable request",
    "Précondition requise": "Precondition required",
    "Trop de requêtes": "Too many requests",
    "Erreur interne": "Internal error",
    "Erreur": "Error",
    "Conflit de version": "Version conflict",
    "Ressource introuvable ou hors de votre périmètre.": "Not found, or outside your perimeter.",
    "Erreur interne ; elle a été journalisée.": "Internal error; it has been logged.",
    "La requête contient %(count)d erreur(s) : %(first)s": "The request has %(count)d error(s): %(first)s",
    "Authentification requise : jeton OAuth2 (Authorization: Bearer …) ou session.":
        "Authentication required: OAuth2 token (Authorization: Bearer …) or session.",
    "Trop de requêtes pour ce client ; réessayez dans %(s)d s.": "Too many requests for this client; retry in %(s)d s.",
    "Corps de requête illisible : %(error)s": "Unreadable request body: %(error)s",
    "Aucune ressource à cette adresse.": "No resource at this address.",
    # pivot
    "Le ticket lié à cet identifiant n'est plus dans votre périmètre.": "The ticket linked to this identifier is no longer in your perimeter.",
    "Contenu base64 invalide.": "Invalid base64 content.",
    "L'import support-pivot est réservé aux clients d'API.": "The support-pivot import is for API clients only.",
    "Champ obligatoire pour créer un ticket.": "Required to open a ticket.",
    "Un autre import du même ticket est en cours ; réessayez.": "Another import of the same ticket is running; retry.",
    "Aucun compte ne correspond au demandeur « %(d)s » (courriel ou identifiant).":
        "No account matches the requester “%(d)s” (e-mail or login).",
    "Type de demande inconnu (ex. %(ex)s).": "Unknown request type (e.g. %(ex)s).",
    "Priorité inconnue : Mineur, Majeur ou Bloquant.": "Unknown priority: Mineur, Majeur or Bloquant.",
    "Statut inconnu : Ouvert, En cours, Résolu ou Fermé.": "Unknown status: Ouvert, En cours, Résolu or Fermé.",
}


def _unquote(lines):
    return "".join(re.match(r'^"(.*)"$', line).group(1) for line in lines).encode().decode("unicode_escape").encode("latin-1").decode()


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def fill(path: Path) -> int:
    blocks = path.read_text().split("\n\n")
    done = 0
    for i, block in enumerate(blocks):
        lines = block.splitlines()
        try:
            start = next(n for n, line in enumerate(lines) if line.startswith("msgid "))
            end = next(n for n, line in enumerate(lines) if line.startswith("msgstr "))
        except StopIteration:
            continue
        msgid = _unquote([lines[start][len("msgid "):]] + lines[start + 1:end])
        if msgid in EN:
            lines[end:] = ["msgstr " + _quote(EN[msgid])]
            lines = [line for line in lines if line != "#, fuzzy"]
            blocks[i] = "\n".join(lines)
            done += 1
    path.write_text("\n\n".join(blocks))
    return done


if __name__ == "__main__":
    po = Path(__file__).resolve().parent / "en" / "LC_MESSAGES" / "django.po"
    print(fill(po), "messages translated", file=sys.stderr)
