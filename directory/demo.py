"""A realistic demo world built from the partnership conventions in the seeds.

Used by `seed_demo` and by the test-suite (one world, same names everywhere):
- Nice / Villeneuve-Loubet: ENT "ONE" (Open Digital Education), 8 écoles, zone B;
- Montpellier / Villeneuve-lès-Maguelone: ENT-école, 2 écoles at 45 €, chain N0 école →
  N1 circonscription (ERUN) → N2 DSI académique → N3 éditeur, zone C;
- Grand Est (Nancy-Metz, Moselle 57): N0 établissement, N1 guichet unique académique or the
  collectivité for network and hardware, vie scolaire straight to the vendor's N1, N2–N3 vendor.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction

from .choices import Category, CollectiviteKind, HolidayZone, Level, Role, SchoolKind
from .models import (
    Academie,
    Circonscription,
    Collectivite,
    Convention,
    Desk,
    EntProduct,
    Membership,
    RegionAcademique,
    School,
    SupportRoute,
    User,
    Vendor,
)
from .services import cover_schools

DEMO_USERNAMES = (
    "enseignant", "directeur", "erun", "guichet", "collectivite", "dsi",
    "editeur", "formateur", "manager", "dpo", "admin",
)

NICE_SCHOOLS = [
    ("0062050W", "École maternelle des Plans", SchoolKind.MATERNELLE),
    ("0061352M", "École maternelle A. Fabre", SchoolKind.MATERNELLE),
    ("0060768C", "École maternelle Saint-Georges", SchoolKind.MATERNELLE),
    ("0061750V", "École maternelle Hauts de Vaugrenier", SchoolKind.MATERNELLE),
    ("0061097K", "École élémentaire A. Fabre", SchoolKind.ELEMENTAIRE),
    ("0062051X", "École élémentaire les Plans", SchoolKind.ELEMENTAIRE),
    ("0061800Z", "École élémentaire les Maurettes", SchoolKind.ELEMENTAIRE),
    ("0061114D", "École élémentaire Saint-Georges", SchoolKind.ELEMENTAIRE),
]
MONTPELLIER_SCHOOLS = [
    ("0341255E", "École élémentaire publique Pierre Bouissinet", SchoolKind.ELEMENTAIRE),
    ("0342026T", "École élémentaire publique Françoise Dolto", SchoolKind.ELEMENTAIRE),
]
# Another district of the same académie: outside the demo ERUN's perimeter.
MONTPELLIER_OTHER_SCHOOLS = [
    ("0341301E", "École primaire Jean Moulin", SchoolKind.PRIMAIRE),
]
GRAND_EST_SCHOOLS = [
    ("0570098X", "Collège La Source", SchoolKind.COLLEGE),
    ("0571234G", "Collège Jean Mermoz", SchoolKind.COLLEGE),
    ("0573456X", "Lycée Robert Schuman", SchoolKind.LYCEE),
]


@dataclass
class DemoWorld:
    users: dict = field(default_factory=dict)
    schools: dict = field(default_factory=dict)
    desks: dict = field(default_factory=dict)
    conventions: dict = field(default_factory=dict)
    academies: dict = field(default_factory=dict)
    vendors: dict = field(default_factory=dict)


def _schools(rows, **common):
    out = {}
    for uai, name, kind in rows:
        out[uai] = School.objects.create(uai=uai, name=name, kind=kind, email=f"ecole.{uai}@example.org", **common)
    return out


def _routes(convention, matrix):
    """matrix: {(level, category): desk | None (the school's own desk) | "skip"}."""
    SupportRoute.objects.bulk_create(
        SupportRoute(
            convention=convention, level=level, category=category,
            desk=target if isinstance(target, Desk) else None,
            school_desk=target is None,
        )
        for (level, category), target in matrix.items()
    )


@transaction.atomic
def build_demo_world(password: str, today: date | None = None) -> DemoWorld:
    w = DemoWorld()
    start = date(2023, 9, 1)
    end = date(2028, 8, 31)

    # --- Vendors and products
    ode = Vendor.objects.create(slug="open-digital-education", name="Open Digital Education", siret="49003720100020")
    kosmos = Vendor.objects.create(slug="kosmos", name="Kosmos", siret="38417203300043")
    one = EntProduct.objects.create(slug="one", name="ONE", vendor=ode)
    ent_ecole = EntProduct.objects.create(slug="ent-ecole", name="ENT-école (ONE)", vendor=ode)
    mbn = EntProduct.objects.create(slug="mon-bureau-numerique", name="Mon Bureau Numérique", vendor=kosmos)
    w.vendors.update(ode=ode, kosmos=kosmos)

    # --- Territories
    paca = RegionAcademique.objects.create(code="PACA", name="Provence-Alpes-Côte d'Azur")
    occitanie = RegionAcademique.objects.create(code="OCC", name="Occitanie")
    grand_est = RegionAcademique.objects.create(code="GE", name="Grand Est")
    nice = Academie.objects.create(code="23", name="Académie de Nice", region=paca, holiday_zone=HolidayZone.B)
    montpellier = Academie.objects.create(code="11", name="Académie de Montpellier", region=occitanie, holiday_zone=HolidayZone.C)
    nancy = Academie.objects.create(code="12", name="Académie de Nancy-Metz", region=grand_est, holiday_zone=HolidayZone.B, holiday_subdivision="57")
    w.academies.update(nice=nice, montpellier=montpellier, nancy=nancy)

    antibes = Circonscription.objects.create(code="0060AN", name="Circonscription d'Antibes", academie=nice)
    lattes = Circonscription.objects.create(code="0340LA", name="Circonscription de Lattes", academie=montpellier)
    sete = Circonscription.objects.create(code="0340SE", name="Circonscription de Sète", academie=montpellier)

    villeneuve_loubet = Collectivite.objects.create(name="Mairie de Villeneuve-Loubet", kind=CollectiviteKind.COMMUNE, siret="21060161400014", insee_code="06161")
    maguelone = Collectivite.objects.create(name="Commune de Villeneuve-lès-Maguelone", kind=CollectiviteKind.COMMUNE, siret="21340337000017", insee_code="34337")
    moselle = Collectivite.objects.create(name="Département de la Moselle", kind=CollectiviteKind.DEPARTEMENT, siret="23570010000011", insee_code="57")
    region_ge = Collectivite.objects.create(name="Région Grand Est", kind=CollectiviteKind.REGION, siret="20000017900016", insee_code="44")

    w.schools.update(_schools(NICE_SCHOOLS, academie=nice, circonscription=antibes, collectivite=villeneuve_loubet, commune="Villeneuve-Loubet", commune_code="06161"))
    w.schools.update(_schools(MONTPELLIER_SCHOOLS, academie=montpellier, circonscription=lattes, collectivite=maguelone, commune="Villeneuve-lès-Maguelone", commune_code="34337"))
    w.schools.update(_schools(MONTPELLIER_OTHER_SCHOOLS, academie=montpellier, circonscription=sete, collectivite=None, commune="Sète", commune_code="34301"))
    ge = _schools(GRAND_EST_SCHOOLS[:2], academie=nancy, collectivite=moselle, commune="Metz", commune_code="57463")
    ge.update(_schools(GRAND_EST_SCHOOLS[2:], academie=nancy, collectivite=region_ge, commune="Metz", commune_code="57463"))
    w.schools.update(ge)

    # --- Desks
    d = w.desks
    for uai, school in w.schools.items():
        d[f"n0-{uai}"] = Desk.objects.create(slug=f"n0-{uai.lower()}", name=f"Correspondant ENT — {school.name}", level=Level.SCHOOL, school=school)
    d["erun-antibes"] = Desk.objects.create(slug="erun-antibes", name="ERUN Antibes", level=Level.AUTHORITY, circonscription=antibes, email="erun.antibes@example.org")
    d["erun-lattes"] = Desk.objects.create(slug="erun-lattes", name="ERUN Lattes", level=Level.AUTHORITY, circonscription=lattes, email="erun.lattes@example.org")
    d["erun-sete"] = Desk.objects.create(slug="erun-sete", name="ERUN Sète", level=Level.AUTHORITY, circonscription=sete, email="erun.sete@example.org")
    d["dsi-montpellier"] = Desk.objects.create(slug="dsi-montpellier", name="Pôle d'assistance DSII Montpellier", level=Level.EXPERTISE, academie=montpellier, email="assistance@example.org")
    d["guichet-nancy"] = Desk.objects.create(slug="guichet-nancy-metz", name="Guichet unique académique Nancy-Metz", level=Level.AUTHORITY, academie=nancy, email="guichet@example.org")
    d["moselle-tech"] = Desk.objects.create(slug="moselle-tech", name="Support technique Département de la Moselle", level=Level.AUTHORITY, collectivite=moselle, email="support@example.org")
    d["region-tech"] = Desk.objects.create(slug="region-ge-tech", name="Support technique Région Grand Est", level=Level.AUTHORITY, collectivite=region_ge, email="support-lycees@example.org")
    d["vl-tech"] = Desk.objects.create(slug="villeneuve-loubet-tech", name="Service informatique Villeneuve-Loubet", level=Level.AUTHORITY, collectivite=villeneuve_loubet)
    d["ode-n1"] = Desk.objects.create(slug="ode-vie-scolaire", name="Open Digital Education — support vie scolaire", level=Level.AUTHORITY, vendor=ode)
    d["ode"] = Desk.objects.create(slug="ode-support", name="Open Digital Education — support éditeur", level=Level.VENDOR, vendor=ode, email="support@opendigitaleducation.example")
    d["kosmos-n1"] = Desk.objects.create(slug="kosmos-vie-scolaire", name="Kosmos — support vie scolaire", level=Level.AUTHORITY, vendor=kosmos)
    d["kosmos-n2"] = Desk.objects.create(slug="kosmos-n2", name="Kosmos — support niveau 2", level=Level.EXPERTISE, vendor=kosmos)
    d["kosmos-n3"] = Desk.objects.create(slug="kosmos-n3", name="Kosmos — maintenance niveau 3", level=Level.VENDOR, vendor=kosmos)

    # --- Conventions and their support matrices
    c_nice = Convention.objects.create(reference="DSDEN06-VILLENEUVE-LOUBET-2023", title="Mise en place d'un ENT — Villeneuve-Loubet", academie=nice, product=one, starts_on=start, ends_on=end, fee_per_school=Decimal("0"))
    c_nice.collectivites.add(villeneuve_loubet)
    cover_schools(c_nice, [w.schools[u] for u, *_ in NICE_SCHOOLS])
    c_mtp = Convention.objects.create(reference="MONTPELLIER-ENT-ECOLE-2022DECAD076", title="ENT-école — Villeneuve-lès-Maguelone", academie=montpellier, product=ent_ecole, starts_on=start, ends_on=end, fee_per_school=Decimal("45.00"))
    c_mtp.collectivites.add(maguelone)
    cover_schools(c_mtp, [w.schools[u] for u, *_ in MONTPELLIER_SCHOOLS + MONTPELLIER_OTHER_SCHOOLS])
    c_ge = Convention.objects.create(reference="GRAND-EST-ENT-2023", title="ENT du Grand Est — groupement de commandes", region=grand_est, academie=nancy, product=mbn, starts_on=start, ends_on=end, sla_policy_reference="grand-est-99.7")
    c_ge.collectivites.add(moselle, region_ge)
    cover_schools(c_ge, list(ge.values()))
    w.conventions.update(nice=c_nice, montpellier=c_mtp, grand_est=c_ge)

    # Level 0 is each school's own desk; Grand Est sends network faults straight to the collectivité.
    _routes(c_nice, {
        (0, ""): None,
        (1, ""): d["erun-antibes"],
        (1, Category.NETWORK): d["vl-tech"],
        (3, ""): d["ode"],
    })
    _routes(c_mtp, {
        (0, ""): None,
        (1, ""): d["erun-lattes"],
        (2, ""): d["dsi-montpellier"],
        (3, ""): d["ode"],
    })
    _routes(c_ge, {
        (0, ""): None,
        (0, Category.NETWORK): "skip",
        (1, ""): d["guichet-nancy"],
        (1, Category.NETWORK): d["moselle-tech"],
        (1, Category.VIE_SCOLAIRE): d["kosmos-n1"],
        (2, ""): d["kosmos-n2"],
        (3, ""): d["kosmos-n3"],
    })

    # --- People, one per role
    def person(username, first, last, *, superuser=False):
        user = User.objects.create_user(username=username, password=password, first_name=first, last_name=last, email=f"{username}@example.org", is_staff=superuser, is_superuser=superuser)
        w.users[username] = user
        return user

    bouissinet = w.schools["0341255E"]
    Membership.objects.create(user=person("enseignant", "Camille", "Martin"), role=Role.REQUESTER, school=bouissinet)
    directeur = person("directeur", "Dominique", "Bernard")
    Membership.objects.create(user=directeur, role=Role.REQUESTER, school=bouissinet)
    Membership.objects.create(user=directeur, role=Role.AGENT, desk=d["n0-0341255E"], is_school_contact=True)
    Membership.objects.create(user=person("erun", "Alex", "Durand"), role=Role.AGENT, desk=d["erun-lattes"])
    Membership.objects.create(user=person("guichet", "Sacha", "Petit"), role=Role.AGENT, desk=d["guichet-nancy"])
    Membership.objects.create(user=person("collectivite", "Morgan", "Robert"), role=Role.AGENT, desk=d["moselle-tech"])
    Membership.objects.create(user=person("dsi", "Jordan", "Richard"), role=Role.AGENT, desk=d["dsi-montpellier"])
    Membership.objects.create(user=person("editeur", "Charlie", "Moreau"), role=Role.AGENT, desk=d["ode"])
    Membership.objects.create(user=person("formateur", "Lou", "Simon"), role=Role.OBSERVER, circonscription=lattes)
    Membership.objects.create(user=person("manager", "Claude", "Laurent"), role=Role.MANAGER, academie=montpellier)
    Membership.objects.create(user=person("dpo", "Maxime", "Lefebvre"), role=Role.DPO, academie=montpellier)
    Membership.objects.create(user=person("admin", "Andrea", "Michel", superuser=True), role=Role.ADMIN)
    return w
