"""Demo help articles for `seed_demo` (called from helpdesk/demo.py), written and published through
the services by the demo ERUN (académie de Montpellier). Their content is illustrative: it is not
taken from the conventions nor from a vendor's documentation."""

from __future__ import annotations

from sla.models import Service

from . import services
from .models import Audience

ILLUSTRATIVE = "*Article illustratif (fictif) de la démonstration.*"

ARTICLES = [  # (title, summary, audience, service slug, body)
    ("Envoyer une pièce jointe avec la messagerie de l'ENT",
     "Pièce jointe refusée, trop lourde ou qui n'apparaît pas : les vérifications à faire avant de signaler.",
     Audience.TEACHER, "messagerie",
     "## Avant tout\n\n- La taille d'une pièce jointe est limitée (illustratif : 20 Mo par message).\n"
     "- Attendez la fin du téléversement (barre de progression) avant d'envoyer.\n\n"
     "## La pièce jointe n'apparaît pas chez le destinataire\n\n"
     "1. Ouvrez le message dans « Envoyés » et vérifiez que le fichier y figure.\n"
     "2. Préférez un lien vers l'espace documentaire pour un fichier volumineux.\n"
     "3. Videz le cache du navigateur, puis réessayez.\n\n"
     "Si le problème continue pour toute l'école, signalez-le : précisez le navigateur et l'heure."),
    ("Partager un dossier de l'espace documentaire avec sa classe",
     "Donner à une classe l'accès en lecture ou en écriture à un dossier.",
     Audience.TEACHER, "espace-documentaire",
     "1. Dans l'espace documentaire, sélectionnez le dossier.\n2. Choisissez « Partager ».\n"
     "3. Cherchez la classe par son nom, cochez « consulter » ou « contribuer ».\n4. Validez."),
    ("Réinitialiser le mot de passe d'un élève",
     "Ce que peut faire le directeur ou le correspondant ENT de l'école.",
     Audience.DIRECTOR, "authentification",
     "Le directeur ou le correspondant ENT peut générer un nouveau code d'activation depuis la console "
     "d'administration de l'école, puis le remettre à l'élève ou à sa famille."),
]


def seed_articles(world) -> int:
    author = world.users["erun"]
    catalogue = {s.slug: s for s in Service.objects.all()}
    for title, summary, audience, service, body in ARTICLES:
        article = services.create_article(actor=author, title=title, summary=summary, audience=audience,
                                          service=catalogue.get(service), body=f"{body}\n\n{ILLUSTRATIVE}")
        services.publish(article, actor=author)
    return len(ARTICLES)
