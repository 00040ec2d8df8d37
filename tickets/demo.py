"""Demo tickets for `seed_demo` (helpdesk/demo.py): a dozen Montpellier tickets of today at every
stage, all made through the services (timeline, clocks, outbox, dashboard counts) as real users would."""

from __future__ import annotations

from directory.choices import Category

from . import services

QUALIFICATION = dict(
    steps_to_reproduce="Cahier de textes > Ajouter une séance > Enregistrer",
    expected_behaviour="La séance est enregistrée", observed_behaviour="Erreur 500 après 30 secondes",
    users_affected=12, first_seen_at="2026-09-07 08:30", browser_device="Firefox 128 / Windows 11",
)
TICKETS = [  # (title, category, service, impact, urgency, how far it goes)
    ("Impossible d'enregistrer une séance dans le cahier de textes", Category.MALFUNCTION, "Cahier de textes", 2, 1, "vendor"),
    ("La messagerie n'affiche plus les pièces jointes", Category.MALFUNCTION, "Messagerie", 2, 2, "erun"),
    ("Comment partager un dossier avec ma classe ?", Category.USAGE, "Espace documentaire", 3, 3, "resolved"),
    ("Mot de passe d'un élève à réinitialiser", Category.ACCOUNT, "Authentification", 3, 2, "closed"),
    ("Le blog de la classe ne s'ouvre pas", Category.MALFUNCTION, "Blog", 3, 2, "waiting"),
    ("Plus d'accès au manuel numérique (GAR)", Category.THIRD_PARTY, "Médiacentre / GAR", 2, 2, "new"),
    ("Publier une actualité pour les parents", Category.USAGE, "Actualités", 3, 3, "new"),
    ("Import des emplois du temps incomplet", Category.VIE_SCOLAIRE, "Vie scolaire", 2, 2, "taken"),
]


def seed_today(world) -> None:
    u = world.users
    school = world.schools["0341255E"]
    for title, category, service, impact, urgency, stage in TICKETS:
        t = services.open_ticket(actor=u["enseignant"], school=school, title=title, category=category, service=service,
                                 impact=impact, urgency=urgency, description=f"{title}. Constaté ce matin en classe.")
        if stage == "new":
            continue
        t = services.take(t, actor=u["directeur"])
        if stage == "taken":
            continue
        if stage == "waiting":
            services.request_info(t, actor=u["directeur"], body="Sur quel navigateur et à quelle heure ?")
            continue
        if stage in ("resolved", "closed"):
            t = services.resolve(t, actor=u["directeur"], summary="Expliqué à l'enseignante, pas à pas.")
            if stage == "closed":
                services.confirm(t, actor=u["enseignant"], body="Merci, c'est bon.")
            continue
        t = services.escalate(t, actor=u["directeur"], reason="Pas de solution à l'école")
        if stage == "erun":
            continue
        t = services.escalate(services.take(t, actor=u["erun"]), actor=u["erun"], reason="À expertiser")
        services.escalate(services.take(t, actor=u["dsi"]), actor=u["dsi"], malfunction_proven=True, **QUALIFICATION)


ILLUSTRATIVE_MACRO = "(Réponse type illustrative de la démonstration.)"
MACROS = [  # (title, body, transition, owner: a desk key of the demo world or "academie:<key>")
    ("Demander une capture d'écran",
     "Bonjour {demandeur},\n\nPour avancer sur la demande {reference}, pourriez-vous nous envoyer une capture "
     "d'écran du message d'erreur (touche Impr. écran, puis joignez l'image à votre réponse) ?\n\n"
     "Merci, le support de {ecole}", "request_info", "n0-0341255E"),
    ("Accusé de réception",
     "Bonjour {demandeur},\n\nNous avons bien reçu votre demande {reference} pour l'école {ecole} : elle est "
     "en cours d'analyse, nous revenons vers vous dès que possible.", "", "academie:montpellier"),
]


def seed_macros(world) -> int:
    """Two canned answers (illustrative): one of the demo school's desk that asks for a screenshot
    (reply + request information), one of the académie de Montpellier (a plain acknowledgement)."""
    from .models import Macro

    for title, body, transition, owner in MACROS:
        desk, organisation = None, ""
        if owner.startswith("academie:"):
            organisation = f"academie:{world.academies[owner.partition(':')[2]].pk}"
        else:
            desk = world.desks[owner]
        macro = Macro(title=title, body=f"{body}\n\n{ILLUSTRATIVE_MACRO}", transition=transition, desk=desk,
                      organisation=organisation)
        macro.full_clean()
        macro.save()
    return len(MACROS)
