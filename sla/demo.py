"""A year of demo history for `seed_demo`: the ENT services, their outages and a year of tickets.

Everything is written through the public services (sla.availability, sla.services,
tickets.services, privacy.services), replayed in time order with the clock moved to each moment
(`time_machine`, as a replay tool does), so that timelines, SLA clocks and their warning and breach
events, the outbox and the dashboard's daily counts are those the product would have written that
day. The periodic work (breach sweep, auto-close) runs once per simulated day; the year's notifications
are kept but not sent.

The history is invented (fixed random seed, so the same day gives the same history): every
ticket, person and outage of it says "(fictif)". It ends at the present moment; one month — the
last full month — is below 99.7 % for the académie de Montpellier (an authentication outage of
almost four hours in the contract window), another is below 97 % outside the window (a weekend
GAR outage).
"""

from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from directory.choices import Category, Role
from directory.models import Membership, User

from .calendar import PARIS, ServiceCalendar
from .models import Clock, ClockKind, OutageScope, Service

SEED = 20261201
HISTORY_DAYS = 365
FICTIF = "(fictif)"

SERVICES = [  # slug, name, description, name in the monitoring
    ("authentification", "Authentification (fournisseur d'identité)",
     "Connexion des élèves, parents et personnels (ÉduConnect, annuaire académique).", "AuthDown"),
    ("ent", "Accès à l'ENT", "Portail de l'ENT : page d'accueil et navigation entre les services.", "EntDown"),
    ("messagerie", "Messagerie", "Messagerie interne de l'ENT.", "MailDown"),
    ("cahier-de-textes", "Cahier de textes", "Cahier de textes de la classe et cahier journal.", "HomeworkDown"),
    ("vie-scolaire", "Vie scolaire", "Absences, emplois du temps, notes et livret.", "VieScolaireDown"),
    ("mediacentre-gar", "Médiacentre / GAR", "Accès aux ressources numériques par le GAR.", "GarDown"),
    ("espace-documentaire", "Espace documentaire", "Stockage et partage de fichiers.", "StorageDown"),
]

# Ticket stories: (title, category, service of the ticket, how far it goes).
STORIES = [
    ("Mot de passe élève oublié", Category.ACCOUNT, "Authentification", "n0"),
    ("Comment créer un groupe de travail ?", Category.USAGE, "Espace documentaire", "n0"),
    ("Compte parent non activé", Category.ACCOUNT, "Authentification", "n0_slow"),
    ("Le cahier de textes n'affiche pas la semaine suivante", Category.MALFUNCTION, "Cahier de textes", "n1"),
    ("Pièce jointe refusée dans la messagerie", Category.MALFUNCTION, "Messagerie", "n1_wait"),
    ("Publier une actualité pour les familles", Category.USAGE, "Accès à l'ENT", "n0"),
    ("Manuel numérique introuvable dans le Médiacentre", Category.THIRD_PARTY, "Médiacentre / GAR", "n2"),
    ("Emploi du temps vide après l'import", Category.VIE_SCOLAIRE, "Vie scolaire", "n2"),
    ("Erreur 500 à l'enregistrement d'une séance", Category.MALFUNCTION, "Cahier de textes", "vendor"),
    ("Les notifications de la messagerie n'arrivent plus", Category.MALFUNCTION, "Messagerie", "vendor_slow"),
    ("Le blog de la classe reste en brouillon", Category.MALFUNCTION, "Accès à l'ENT", "n1_slow"),
    ("Lenteurs à la connexion le matin", Category.NETWORK, "Accès à l'ENT", "n1"),
]
STORY_WEIGHTS = [9, 8, 3, 6, 4, 6, 4, 4, 3, 2, 2, 3]
QUALIFICATION = dict(
    steps_to_reproduce="Se connecter, ouvrir le service, refaire l'action décrite",
    expected_behaviour="L'action aboutit", observed_behaviour="Message d'erreur, reproductible sur deux postes",
    users_affected=25, browser_device="Firefox / Windows 11 et Chrome / ChromeOS",
)
H = 3600


@dataclass
class History:
    world: object
    now: datetime
    rng: random.Random
    people: dict = field(default_factory=dict)
    queue: list = field(default_factory=list)
    seq: itertools.count = field(default_factory=itertools.count)
    failures: list = field(default_factory=list)
    tickets: int = 0
    outages: int = 0
    # The DPO's steps (breach report and notifications, data-subject request): privacy sits above
    # sla, so the project passes privacy.demo; None leaves the incident and the request unrecorded.
    privacy: object = None

    def at(self, when, story):
        if when <= self.now:
            heapq.heappush(self.queue, (when, next(self.seq), story))

    def later(self, school, when, business_seconds):
        """The instant `business_seconds` of the school's open time after `when` (people work then)."""
        return ServiceCalendar.for_academie(school.academie).add_business_seconds(when, business_seconds)


def seed_services() -> dict[str, Service]:
    out = {}
    for slug, name, description, alert in SERVICES:
        out[slug] = Service.objects.create(slug=slug, name=name, description=description, alert_name=alert)
    return out


def _people(world) -> dict:
    """Fictional requesters and the agents of the desks no demo account holds (cannot sign in)."""
    d, s = world.desks, world.schools
    people = {"0341255E": {"n0": world.users["directeur"]}, "0342026T": {}, "0341301E": {}}

    def person(username, first, last, **membership):
        user = User.objects.create_user(username=username, first_name=first, last_name=f"{last} {FICTIF}",
                                        email=f"{username}@example.org")
        user.set_unusable_password()
        user.save(update_fields=["password"])
        Membership.objects.create(user=user, **membership)
        return user

    people["0341255E"]["requesters"] = [
        person("fictif.bouissinet1", "Sami", "Garcia", role=Role.REQUESTER, school=s["0341255E"]),
        person("fictif.bouissinet2", "Inès", "Roux", role=Role.REQUESTER, school=s["0341255E"]),
    ]
    people["0342026T"]["requesters"] = [person("fictif.dolto1", "Léa", "Fontaine", role=Role.REQUESTER, school=s["0342026T"])]
    people["0342026T"]["n0"] = person("fictif.directrice.dolto", "Nadia", "Chevalier", role=Role.AGENT, desk=d["n0-0342026T"])
    people["0341301E"]["requesters"] = [person("fictif.sete1", "Hugo", "Blanc", role=Role.REQUESTER, school=s["0341301E"])]
    people["0341301E"]["n0"] = person("fictif.directeur.sete", "Paul", "Mercier", role=Role.AGENT, desk=d["n0-0341301E"])
    people["erun-sete"] = person("fictif.erun.sete", "Marion", "Faure", role=Role.AGENT, desk=d["erun-sete"])
    # Level 1 is found per school and category (directory.routing): who takes it at each desk.
    people["n1"] = {
        "erun-lattes": world.users["erun"], "erun-sete": people["erun-sete"], "gar-montpellier": world.users["gar"],
        "maguelone-tech": person("fictif.tech.maguelone", "Rémi", "Aubert", role=Role.AGENT, desk=d["maguelone-tech"]),
        "sete-tech": person("fictif.tech.sete", "Anaïs", "Perrin", role=Role.AGENT, desk=d["sete-tech"]),
    }
    return people


def _story(h: History, school, title, category, service, path):
    """One ticket's life, as a generator: each `yield` gives the moment of its next step."""
    from tickets import services as t

    u = h.world.users
    p = h.people[school.uai]
    rng = h.rng
    requester = rng.choice(p["requesters"])
    n0 = p["n0"]
    n1 = u["erun"] if school.circonscription.code == "0340LA" else h.people["erun-sete"]
    ticket = t.open_ticket(actor=requester, school=school, title=f"{title} {FICTIF}", category=category, service=service,
                           impact=rng.choice([2, 3, 3]), urgency=rng.choice([1, 2, 2, 3]),
                           description=f"{title}. Demande fictive de l'historique de démonstration.")
    h.tickets += 1
    slow = path.endswith("_slow")
    # Taken within the first-response target (4 h), or well past it for the slow stories.
    yield h.later(school, timezone.now(), rng.randint(10 * 60, 3 * H) if not slow else rng.randint(9 * H, 20 * H))
    ticket = t.take(ticket, actor=n0)
    if not slow:  # the first public answer stops the first-response clock
        ticket = t.comment(ticket, actor=n0, body="Bonjour, je prends votre demande en charge.")
    if path in ("n0", "n0_slow"):
        yield h.later(school, timezone.now(), rng.randint(20 * 60, 2 * H) if path == "n0" else rng.randint(45 * H, 70 * H))
        ticket = t.resolve(ticket, actor=n0, summary=f"Procédure expliquée pas à pas {FICTIF}.")
        yield from _close(h, school, ticket, requester)
        return
    yield h.later(school, timezone.now(), rng.randint(15 * 60, H))
    ticket = t.escalate(ticket, actor=n0, reason="Pas de solution à l'école", no_solution_found=True)
    n1 = h.people["n1"].get(ticket.desk.slug, n1)
    yield h.later(school, timezone.now(), rng.randint(30 * 60, 6 * H) if not slow else rng.randint(18 * H, 30 * H))
    ticket = t.take(ticket, actor=n1)
    if path == "n1_wait":
        yield h.later(school, timezone.now(), rng.randint(H, 3 * H))
        ticket = t.request_info(ticket, actor=n1, body="Quel est le nom exact du fichier et sa taille ?")
        yield timezone.now() + timedelta(hours=rng.randint(5, 60))
        ticket = t.answer(ticket, actor=requester, body="Un PDF de 12 Mo, « sortie-scolaire.pdf ».")
    if path in ("n1", "n1_wait", "n1_slow"):
        yield h.later(school, timezone.now(), rng.randint(H, 8 * H) if path != "n1_slow" else rng.randint(50 * H, 80 * H))
        ticket = t.resolve(ticket, actor=n1, summary=f"Réglage corrigé avec l'enseignant {FICTIF}.")
        yield from _close(h, school, ticket, requester)
        return
    yield h.later(school, timezone.now(), rng.randint(H, 4 * H))
    ticket = t.escalate(ticket, actor=n1, reason="À expertiser par la DSII", no_solution_found=True)
    yield h.later(school, timezone.now(), rng.randint(30 * 60, 5 * H))
    ticket = t.take(ticket, actor=u["dsi"])
    if path == "n2":
        yield h.later(school, timezone.now(), rng.randint(2 * H, 12 * H))
        ticket = t.resolve(ticket, actor=u["dsi"], summary=f"Rattachement corrigé dans l'annuaire {FICTIF}.")
        yield from _close(h, school, ticket, requester)
        return
    yield h.later(school, timezone.now(), rng.randint(H, 4 * H))
    first_seen = timezone.localtime(ticket.created_at).strftime("%Y-%m-%d %H:%M")
    ticket = t.escalate(ticket, actor=u["dsi"], malfunction_proven=True, first_seen_at=first_seen, **QUALIFICATION)
    yield h.later(school, timezone.now(), rng.randint(H, 6 * H))
    ticket = t.take(ticket, actor=u["editeur"])
    yield h.later(school, timezone.now(), rng.randint(8 * H, 24 * H) if path == "vendor" else rng.randint(60 * H, 110 * H))
    ticket = t.resolve(ticket, actor=u["editeur"], summary=f"Correctif déployé en production {FICTIF}.")
    yield from _close(h, school, ticket, requester)


def _close(h, school, ticket, requester):
    """Two times out of three the requester confirms; otherwise the auto-close sweep closes it."""
    from tickets import services as t

    from tickets.models import State, Ticket

    if h.rng.random() < 2 / 3:
        yield min(h.later(school, timezone.now(), h.rng.randint(H, 20 * H)), timezone.now() + timedelta(days=5))
        if Ticket.objects.filter(pk=ticket.pk, state=State.RESOLVED).exists():
            t.confirm(ticket, actor=requester, body="Merci, c'est réglé.")


def _security_incident(h: History, school):
    """A suspected personal-data breach: 48 h to tell the other party (met), 72 h for the CNIL (late)."""
    from tickets import services as t

    u = h.world.users
    requester = h.people[school.uai]["requesters"][0]
    ticket = t.open_ticket(actor=requester, school=school, category=Category.SECURITY, service="Espace documentaire",
                           impact=1, urgency=1, title=f"Liste d'élèves visible depuis un autre compte {FICTIF}",
                           description="Un parent voit les documents d'une autre classe dans l'espace documentaire. "
                                       "Demande fictive de l'historique de démonstration.")
    h.tickets += 1
    if h.privacy is None:
        return
    yield timezone.now() + timedelta(hours=3)
    h.privacy.breach_report(
        ticket, actor=u["dpo"], nature="Perte de confidentialité : partage de dossier mal paramétré (fictif)",
        detected_at=ticket.created_at, person_categories="Élèves et leurs parents", approx_persons=27,
        record_categories="Noms, prénoms, travaux d'élèves", approx_records=60,
        consequences="Consultation par une famille d'une autre classe", measures_taken="Partage retiré, journal d'accès vérifié",
        contact_name="Délégué à la protection des données de l'académie (fictif)")
    yield timezone.now() + timedelta(hours=20)
    h.privacy.other_party_notified(ticket, actor=u["dpo"],
                                   evidence=f"Courriel à la commune de Villeneuve-lès-Maguelone {FICTIF}")
    yield timezone.now() + timedelta(hours=60)  # 83 h after the discovery: past the 72 h of art. 33
    h.privacy.cnil_notified(ticket, actor=u["dpo"], evidence=f"Accusé de réception du téléservice {FICTIF}",
                            reference="Notification n° 0000 (fictive)")


def _data_subject_request(h: History, school):
    """A parent's access request sent to the commune, while the convention names the Rectrice
    (art. 8): forwarded three days later (the convention sets no delay), answered within the month."""
    from tickets import services as t

    u = h.world.users
    received = timezone.now() - timedelta(days=2)
    ticket = t.open_ticket(actor=u["directeur"], school=school, category=Category.DATA_PROTECTION, service="",
                           impact=3, urgency=2, title=f"Demande d'accès d'un parent à ses données, reçue par la mairie {FICTIF}",
                           description="La mairie a reçu la demande d'un parent (droit d'accès, RGPD art. 15) ; le "
                                       "responsable de traitement est la rectrice. Demande fictive de l'historique de démonstration.")
    h.tickets += 1
    if h.privacy is None:
        return
    yield timezone.now() + timedelta(hours=4)
    req = h.privacy.misdirected_access_request(actor=u["dpo"], convention=h.world.conventions["montpellier"],
                                               school=school, received_at=received)
    yield timezone.now() + timedelta(days=1)
    h.privacy.forwarded(req, actor=u["dpo"], recipient="Délégué à la protection des données de l'académie de Montpellier")
    ticket = t.take(ticket, actor=u["directeur"])
    yield h.later(school, timezone.now(), 2 * H)
    t.resolve(ticket, actor=u["directeur"], summary=f"Demande transmise ; la réponse au parent suit dans le mois {FICTIF}.")
    yield timezone.now() + timedelta(days=12)
    h.privacy.answered(req, actor=u["dpo"], detail=f"Copie des données envoyée au parent par courrier {FICTIF}")


def _daily(h: History):
    """What the worker does, once per simulated day at 23:50: breaches and auto-close."""
    from tickets import services as t

    from .clocks import raise_due_events

    cal = ServiceCalendar.for_academie(h.world.academies["montpellier"])
    day = timezone.localtime(timezone.now()).date()
    while True:
        if not cal.business_seconds(datetime.combine(day, time(0), PARIS), datetime.combine(day, time(23, 50), PARIS)):
            day += timedelta(days=1)  # weekend or holidays: nothing fell due, nothing to send
            yield datetime.combine(day, time(23, 50), PARIS)
            continue
        raise_due_events(timezone.now())
        t.auto_close_due(timezone.now())
        day += timedelta(days=1)
        yield datetime.combine(day, time(23, 50), PARIS)


def _open_instant(calendar, day, hour, minute=0):
    moment = datetime.combine(day, time(hour, minute), PARIS)
    return moment if calendar.is_open(moment) else None


def _outages(h: History, services: dict):
    """The year's outages (declared once over, with their start and end), as (end, story) pairs."""
    from .availability import declare_outage

    w, rng = h.world, h.rng
    montpellier, nancy, nice = w.academies["montpellier"], w.academies["nancy"], w.academies["nice"]
    cal = ServiceCalendar.for_academie(montpellier)
    today = timezone.localtime(h.now).date()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)  # the last full month
    plan = []  # (service, scope kwargs, start, end, cause, actor)

    def business_days(month_start):
        nxt = (month_start + timedelta(days=32)).replace(day=1)
        d = month_start
        while d < nxt:
            if _open_instant(cal, d, 9) and _open_instant(cal, d, 15):
                yield d
            d += timedelta(days=1)

    # Twelve months back: short incidents in the window (the month stays above 99.7 %), night
    # maintenance that overran (outside the window), now and then another académie.
    month, months = first, []
    for _ in range(12):
        days = list(business_days(month))
        months.append((len(days), month))
        if len(days) >= 12:  # not in the summer: a few minutes weigh little in a full month
            for slug in rng.sample(list(services), 2):
                d = rng.choice(days)
                start = datetime.combine(d, time(rng.randint(9, 16), rng.choice([0, 15, 30])), PARIS)
                plan.append((slug, {"scope": OutageScope.ACADEMIE, "academie": montpellier}, start,
                             start + timedelta(minutes=rng.randint(5, 15)), "Incident applicatif, service rétabli", w.users["dsi"]))
            d = rng.choice(days)
            start = datetime.combine(d, time(23, 5), PARIS)
            plan.append(("ent", {"scope": OutageScope.ALL}, start, start + timedelta(minutes=rng.randint(60, 150)),
                         "Maintenance nocturne prolongée", w.users["admin"]))
            d = rng.choice(days)
            start = datetime.combine(d, time(rng.randint(9, 17)), PARIS)
            plan.append(("vie-scolaire", {"scope": OutageScope.ACADEMIE, "academie": rng.choice([nancy, nice])}, start,
                         start + timedelta(minutes=rng.randint(10, 40)), "Synchronisation de l'annuaire en échec", w.users["admin"]))
        month = (month - timedelta(days=1)).replace(day=1)

    # The month below 99.7 %: the identity provider down from 9:05 to 12:50 on a school day.
    days = list(business_days(first))
    d = days[len(days) // 2]
    start, end = datetime.combine(d, time(9, 5), PARIS), datetime.combine(d, time(12, 50), PARIS)
    plan.append(("authentification", {"scope": OutageScope.ACADEMIE, "academie": montpellier}, start, end,
                 "Fournisseur d'identité académique indisponible (certificat expiré)", w.users["dsi"]))
    plan.append(("ent", {"scope": OutageScope.ACADEMIE, "academie": montpellier}, start, end,
                 "Portail inaccessible : authentification indisponible", w.users["dsi"]))
    # A month below 97 % outside the window: the GAR down a whole weekend (every académie).
    # (the fullest school month other than the last one, so that 14 hours weigh more than 3 %).
    month_gar = max(months[1:])[1]
    saturday = month_gar + timedelta(days=(5 - month_gar.weekday()) % 7 + 7)
    start = datetime.combine(saturday, time(6, 0), PARIS)
    plan.append(("mediacentre-gar", {"scope": OutageScope.ALL}, start, start + timedelta(hours=14),
                 "GAR indisponible (incident national)", w.users["admin"]))
    # The Grand Est has its own month with a long outage (seen by its managers, not Montpellier's).
    start = datetime.combine(days[0], time(10, 0), PARIS)
    plan.append(("ent", {"scope": OutageScope.ACADEMIE, "academie": nancy}, start, start + timedelta(hours=2),
                 "Saturation du portail", w.users["guichet"]))

    def declare(slug, scope, start, end, cause, actor):
        linked = []
        if slug == "authentification":  # a major incident: the tickets opened meanwhile
            from tickets.models import Ticket
            linked = list(Ticket.objects.filter(created_at__gte=start, created_at__lt=end))
        declare_outage(services[slug], actor=actor, started_at=start, ended_at=end, cause=f"{cause} {FICTIF}",
                       tickets=linked, **scope)
        h.outages += 1
        return
        yield  # a generator, like the other stories

    for slug, scope, start, end, cause, actor in plan:
        if end <= h.now:
            h.at(end, declare(slug, scope, start, end, cause, actor))
    # Teachers cannot sign in during the big outage: a few tickets, linked to it.
    school = w.schools["0341255E"]
    for minutes in (12, 30, 55):
        h.at(start_of_big(plan) + timedelta(minutes=minutes),
             _story(h, school, "Impossible de se connecter à l'ENT ce matin", Category.ACCOUNT, "Authentification", "n0"))


def start_of_big(plan):
    return next(start for slug, _s, start, _e, _c, _a in plan if slug == "authentification")


def seed_history(world, services: dict, *, now: datetime | None = None, seed: int = SEED, privacy=None) -> History:
    """Replay a year of activity ending at `now` (default: the present moment)."""
    now = now or timezone.now()
    h = History(world=world, now=now, rng=random.Random(seed), privacy=privacy)  # nosec B311 - a reproducible demo history, no secret
    h.people = _people(world)
    begin = now - timedelta(days=HISTORY_DAYS)

    schools = [world.schools[u] for u in ("0341255E", "0341255E", "0342026T", "0341301E")]
    # About two tickets a week for the académie de Montpellier, fewer in the holidays.
    cal = ServiceCalendar.for_academie(world.academies["montpellier"])
    moment = begin
    while moment < now:
        moment += timedelta(hours=h.rng.randint(40, 150))
        opened = cal.add_business_seconds(moment, h.rng.randint(60, 6 * H))
        school = h.rng.choice(schools)
        title, category, service, path = h.rng.choices(STORIES, weights=STORY_WEIGHTS)[0]
        h.at(opened, _story(h, school, title, category, service, path))
    h.at(cal.add_business_seconds(now - timedelta(days=150), 2 * H), _security_incident(h, world.schools["0341255E"]))
    h.at(cal.add_business_seconds(now - timedelta(days=95), 3 * H), _data_subject_request(h, world.schools["0341255E"]))
    _outages(h, services)
    h.at(datetime.combine(timezone.localtime(begin).date(), time(23, 50), PARIS), _daily(h))

    _replay(h)
    # The year's notifications are not sent today: nobody was listening then, and a year of old
    # e-mails and bell notifications would bury today's. They are kept, marked as not sent.
    from tickets import outbox

    outbox.skip_pending("Historique de démonstration : non envoyé")
    return h


def _replay(h: History) -> None:
    import time_machine

    from tickets.services import GuardFailed

    while h.queue:
        when, _n, story = heapq.heappop(h.queue)
        with time_machine.travel(when, tick=False):
            try:
                nxt = next(story)
            except StopIteration:
                continue
            except (GuardFailed, PermissionDenied, ValidationError) as exc:
                h.failures.append(f"{when:%Y-%m-%d %H:%M} {type(exc).__name__}: {exc}")
                continue
        h.at(nxt, story)
