"""The demo's evolution requests and who prioritises them, per convention, in the seeds' words:

- Alpes-Maritimes (seed 000, art. 3): the DSDEN collects the requests, "priorisées en lien avec
  l'inspecteur de l'éducation nationale chargé de la circonscription" — the IEN of the
  circonscription d'Antibes (an invented person: "(fictive)").
- Montpellier (seed 004, art. 2.6): "gérées au niveau académique", from "un groupe de travail
  dédié constitué d'utilisateurs représentatifs, et de représentants de mairies" — the académie's
  working group for the Sète schools' convention; the Villeneuve-lès-Maguelone convention (seed
  002) names no body: the académie's working group is applied to it too, illustratively.

Invented people and requests say so ("(fictif)", "(fictive)")."""

from __future__ import annotations

from directory.choices import Role
from directory.models import Membership, User

from . import services
from .models import BodyKind, BodyMember, Governance

NICE_CLAUSE = ("Article 3. Engagements réciproques — La DSDEN s'engage à : […] recueillir auprès des usagers les demandes "
               "d'évolution, qui seront priorisées en lien avec l'inspecteur de l'éducation nationale chargé de la "
               "circonscription où sera déployé, l'E.N.T.")
MONTPELLIER_CLAUSE = ("Article 2.6 Support de niveau 2, maintenance corrective et évolutive — […] L'assistance de niveau 3, la "
                      "maintenance corrective et la maintenance évolutive sont prises en charge par l'éditeur de la solution "
                      "applicative. Les demandes d'évolution sont gérées au niveau académique et résultent des demandes exprimées "
                      "par un groupe de travail dédié constitué d'utilisateurs représentatifs, et de représentants de mairies.")


def _person(world, username, first, last, *, role, **target):
    """An invented person with the demo's password (copied from the demo teacher's)."""
    user = User.objects.create(username=username, first_name=first, last_name=last, email=f"{username}@example.org",
                               password=world.users["enseignant"].password)
    Membership.objects.create(user=user, role=role, **target)
    world.users[username] = user
    return user


def seed_governance(world) -> dict:
    """Each convention in force of the two seeds gets its body; returns name → Governance."""
    nice = world.conventions["nice"]
    antibes = nice.schools.order_by("pk").first().circonscription
    ien = _person(world, "ien", "Hélène", "Garnier (fictive)", role=Role.MANAGER, circonscription=antibes)
    g_nice = Governance.objects.create(convention=nice, kind=BodyKind.IEN, clause=NICE_CLAUSE,
                                       name="Inspecteur de l'éducation nationale chargé de la circonscription")
    BodyMember.objects.create(governance=g_nice, user=ien, circonscription=antibes,
                              quality=f"IEN de la {antibes.name} (fictive)")

    montpellier = world.academies["montpellier"]
    representative = _person(world, "representant-usagers", "Inès", "Roux (fictive)", role=Role.REQUESTER,
                             school=world.conventions["sete"].schools.order_by("pk").first())
    out = {"nice": g_nice}
    for key, username, mairie in (("sete", "mairie-sete", "mairie de Sète"),
                                  ("montpellier", "mairie-maguelone", "mairie de Villeneuve-lès-Maguelone")):
        convention = world.conventions[key]
        g = Governance.objects.create(convention=convention, kind=BodyKind.WORKING_GROUP, clause=MONTPELLIER_CLAUSE,
                                      name=f"Groupe de travail académique — {montpellier.name}")
        BodyMember.objects.create(governance=g, user=world.users["manager"], quality="Représentant de l'académie (DANE)")
        BodyMember.objects.create(governance=g, user=representative, quality="Utilisatrice représentative (fictive)")
        collectivite = convention.collectivites.order_by("pk").first()
        rep = _person(world, username, "Représentant", f"de la {mairie} (fictif)", role=Role.REQUESTER,
                      collectivite=collectivite) if collectivite else None
        if rep is not None:
            BodyMember.objects.create(governance=g, user=rep, quality=f"Représentant de la {mairie} (fictif)")
        out[key] = g
    return out


def seed_evolutions(world) -> int:
    """The bodies, and a few requests at several stages (through the services). Returns how many."""
    seed_governance(world)
    teacher, director, manager = world.users["enseignant"], world.users["directeur"], world.users["manager"]
    school = teacher.memberships.filter(school__isnull=False).first().school

    banner = services.submit(director, school=school, service="Authentification",
                             title="Prévenir sur la page de connexion quand l'authentification est indisponible (fictif)",
                             description="Lors de la panne du certificat, les enseignants ont cru à une erreur de leur mot de passe. "
                                         "Un bandeau sur la page de connexion éviterait des dizaines d'appels. (fictif)")
    services.set_support(teacher, banner, True)
    services.apply(manager, banner, "instruct", note="Examinée au groupe de travail académique (fictif).")
    services.apply(manager, banner, "retain", priority=1)
    services.apply(manager, banner, "transmit")
    _link_review_action(manager, banner)

    cahier = services.submit(teacher, school=school, service="Cahier de textes",
                             title="Recopier une séance du cahier de textes sur une autre classe (fictif)",
                             description="Les collègues de CM1 et CM2 préparent les mêmes séances : pouvoir dupliquer une séance "
                                         "d'une classe à l'autre. (fictif)")
    services.set_support(director, cahier, True)

    theme = services.submit(teacher, school=school, service="Apparence",
                            title="Choisir la couleur de fond de l'ENT pour chaque élève (fictif)",
                            description="Une couleur par élève. (fictif)")
    services.apply(manager, theme, "refuse", reason="L'ENT suit déjà les réglages d'accessibilité du navigateur ; "
                                                     "hors du périmètre de la maintenance évolutive (fictif).")
    return 3


def _link_review_action(user, evolution) -> None:
    """The demo's incident review decided an action this request answers (when the history has it)."""
    from pilotage.models import ImprovementAction

    action = ImprovementAction.objects.filter(title__startswith="Superviser l'échéance des certificats").first()
    if action is not None:
        services.link_action(user, evolution, action.pk)
