"""A realistic demo world built from the partnership conventions in the seeds.

Used by `seed_demo` and by the test-suite (one world, same names everywhere):
- Nice / Villeneuve-Loubet (seed 000): ENT "ONE" (Open Digital Education), 8 écoles, zone B;
- Montpellier / Villeneuve-lès-Maguelone (seed 002, décision 2022DECAD076): ENT-école, 2 écoles at
  45 €, chain N0 école → N1 the school's circonscription (ERUN) — its commune for network and
  hardware, the académie's GAR desk for third-party resources — → N2 DSI académique → N3 éditeur,
  zone C;
- Montpellier / Sète (seed 004, a template: the commune, the signature date and the school are
  illustrative): the same matrix, which resolves to the Sète circonscription and commune; one
  version, the art. 6.2 avenant for 2021-2022 sent inside its window (1 September – 15 October),
  which adds a school (date and school invented: « exemple fictif »);
- Grand Est (Nancy-Metz, Moselle 57, seed 003, undated): N0 établissement, N1 guichet unique
  académique or the collectivité competent for the établissement for network and hardware (the
  Département for a collège, the Région for a lycée), the editor of a third-party tool, vie
  scolaire with a direct access to the vendor's N1, N2–N3 vendor.

The matrices name kinds of parties (`Resolver`), as the example files of docs/conventions do.

Each seed convention is stored with its own terms (dates, SIRET, schools, fees). The demo needs a
convention in force today: that one is the renewal (or the new convention) the seed would lead to,
and its title says it is illustrative. `world.conventions` holds the conventions in force (the
names the tests use); `world.past_conventions` the signed ones they follow.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from .breach_rules import breach_fields
from .choices import Category, CollectiviteKind, DeskSpeciality, HolidayZone, Level, Resolver, Role, SchoolKind
from .importers.conventions import dsr_fields, load_convention_file
from .lifecycle import lifecycle_fields
from .models import (
    Academie,
    Circonscription,
    Collectivite,
    Convention,
    Desk,
    EntProduct,
    Membership,
    RegionAcademique,
    Resource,
    School,
    SupportRoute,
    User,
    Vendor,
)
from .services import cover_schools

DEMO_USERNAMES = (
    "enseignant", "directeur", "erun", "guichet", "collectivite", "dsi",
    "editeur", "formateur", "manager", "dpo", "admin", "region", "cpe", "gar", "principal",
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
# Invented: the school a demo avenant adds to the Sète list for 2021-2022 (Montpellier 2020 art. 6.2).
SETE_AVENANT_SCHOOLS = [
    ("0341390B", "École maternelle du Port (exemple fictif)", SchoolKind.MATERNELLE),
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
    conventions: dict = field(default_factory=dict)  # in force today (illustrative renewals)
    past_conventions: dict = field(default_factory=dict)  # as signed, terms of the seeds
    academies: dict = field(default_factory=dict)
    vendors: dict = field(default_factory=dict)
    resources: dict = field(default_factory=dict)


def _schools(rows, **common):
    out = {}
    for uai, name, kind in rows:
        out[uai] = School.objects.create(uai=uai, name=name, kind=kind, email=f"ecole.{uai}@example.org", **common)
    return out


DIRECT = "direct"  # `(desk, DIRECT)` in a matrix: the cell gives a direct access (no qualification)


def _routes(convention, matrix):
    """matrix: {(level, category): desk | a Resolver (the kind of party) | (desk, DIRECT)}."""
    def route(level, category, target):
        target, direct = target if isinstance(target, tuple) else (target, None)
        if isinstance(target, Desk):
            return SupportRoute(convention=convention, level=level, category=category, desk=target,
                                direct_access=direct == DIRECT)
        return SupportRoute(convention=convention, level=level, category=category, resolver=Resolver(target),
                            direct_access=direct == DIRECT)

    SupportRoute.objects.bulk_create(route(level, category, target) for (level, category), target in matrix.items())


SIGNED_EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "conventions"


def _signed_dsr_terms(example: str) -> dict:
    """Who answers a data-subject request and who notifies a breach, as the signed example of the
    same seed says (one copy of the clauses: docs/conventions/)."""
    data = load_convention_file(SIGNED_EXAMPLES / example)
    fields = dsr_fields(data["data_subject_requests"]) if data.get("data_subject_requests") else {}
    if data.get("breach_notification"):
        fields.update(breach_fields(data["breach_notification"]))
    return fields


def _signed_lifecycle(example: str) -> dict:
    """The signed convention's duration, renewal and notices, as its example file quotes them (only
    for the signed conventions: the illustrative renewals and new conventions have no text)."""
    data = load_convention_file(SIGNED_EXAMPLES / example)
    return lifecycle_fields(data["lifecycle"]) if data.get("lifecycle") else {}


def _convention(*, reference, title, starts_on, ends_on, schools, collectivites, matrix, **fields):
    """A convention with its parties, its covered schools and its support matrix."""
    convention = Convention.objects.create(reference=reference, title=title, starts_on=starts_on, ends_on=ends_on, **fields)
    convention.collectivites.add(*collectivites)
    cover_schools(convention, schools)
    _routes(convention, matrix)
    return convention


@transaction.atomic
def build_demo_world(password: str, today: date | None = None) -> DemoWorld:
    w = DemoWorld()

    # --- Vendors and products
    ode = Vendor.objects.create(slug="open-digital-education", name="Open Digital Education", siret="49003720100020")
    kosmos = Vendor.objects.create(slug="kosmos", name="Kosmos", siret="38417203300043")
    # Third-party editors (illustrative, as in docs/conventions): one with a desk in the product,
    # one (a GAR resource's) reached only at its support address.
    edt_soft = Vendor.objects.create(slug="edt-soft", name="EDT Soft (illustratif)", support_email="assistance@edt-soft.example")
    cartographia = Vendor.objects.create(slug="editions-cartographia", name="Éditions Cartographia (illustratif)",
                                         support_email="support@cartographia.example")
    w.resources["edt"] = Resource.objects.create(slug="emploi-du-temps-edt", name="EDT — emploi du temps (illustratif)", editor=edt_soft)
    w.resources["atlas"] = Resource.objects.create(slug="atlas-interactif-gar", name="Atlas interactif (ressource GAR, illustrative)",
                                                   editor=cartographia, is_gar=True)
    one = EntProduct.objects.create(slug="one", name="ONE", vendor=ode)
    ent_ecole = EntProduct.objects.create(slug="ent-ecole", name="ENT-école (ONE)", vendor=ode)
    mbn = EntProduct.objects.create(slug="mon-bureau-numerique", name="Mon Bureau Numérique", vendor=kosmos)
    w.vendors.update(ode=ode, kosmos=kosmos, edt_soft=edt_soft, cartographia=cartographia)

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
    maguelone = Collectivite.objects.create(name="Commune de Villeneuve-lès-Maguelone", kind=CollectiviteKind.COMMUNE, siret="21340337100015", insee_code="34337")
    # Seed 004 leaves the commune blank: Sète is illustrative (no SIRET invented).
    sete_commune = Collectivite.objects.create(name="Commune de Sète (illustrative)", kind=CollectiviteKind.COMMUNE, insee_code="34301")
    moselle = Collectivite.objects.create(name="Département de la Moselle", kind=CollectiviteKind.DEPARTEMENT, siret="23570010000011", insee_code="57")
    region_ge = Collectivite.objects.create(name="Région Grand Est", kind=CollectiviteKind.REGION, siret="20000017900016", insee_code="44")

    w.schools.update(_schools(NICE_SCHOOLS, academie=nice, circonscription=antibes, collectivite=villeneuve_loubet, commune="Villeneuve-Loubet", commune_code="06161"))
    w.schools.update(_schools(MONTPELLIER_SCHOOLS, academie=montpellier, circonscription=lattes, collectivite=maguelone, commune="Villeneuve-lès-Maguelone", commune_code="34337"))
    w.schools.update(_schools(MONTPELLIER_OTHER_SCHOOLS, academie=montpellier, circonscription=sete, collectivite=sete_commune, commune="Sète", commune_code="34301"))
    w.schools.update(_schools(SETE_AVENANT_SCHOOLS, academie=montpellier, circonscription=sete, collectivite=sete_commune, commune="Sète", commune_code="34301"))
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
    # The communes' IT services (illustrative): they keep the écoles' network and equipment.
    d["maguelone-tech"] = Desk.objects.create(slug="maguelone-tech", name="Service informatique — Commune de Villeneuve-lès-Maguelone (illustratif)",
                                              level=Level.AUTHORITY, collectivite=maguelone, email="informatique.maguelone@example.org")
    d["sete-tech"] = Desk.objects.create(slug="sete-tech", name="Service informatique — Commune de Sète (illustratif)",
                                         level=Level.AUTHORITY, collectivite=sete_commune, email="informatique.sete@example.org")
    d["gar-montpellier"] = Desk.objects.create(slug="gar-montpellier", name="Assistance GAR / MédiaCentre — académie de Montpellier",
                                               level=Level.AUTHORITY, academie=montpellier, speciality=DeskSpeciality.GAR, email="gar@example.org")
    d["edt-soft"] = Desk.objects.create(slug="edt-soft-support", name="EDT Soft — assistance (illustrative)", level=Level.AUTHORITY,
                                        vendor=edt_soft, email="assistance@edt-soft.example")
    d["ode-n1"] = Desk.objects.create(slug="ode-vie-scolaire", name="Open Digital Education — support vie scolaire", level=Level.AUTHORITY, vendor=ode)
    d["ode"] = Desk.objects.create(slug="ode-support", name="Open Digital Education — support éditeur", level=Level.VENDOR, vendor=ode, email="support@opendigitaleducation.example")
    d["kosmos-n1"] = Desk.objects.create(slug="kosmos-vie-scolaire", name="Kosmos — support vie scolaire", level=Level.AUTHORITY, vendor=kosmos)
    d["kosmos-n2"] = Desk.objects.create(slug="kosmos-n2", name="Kosmos — support niveau 2", level=Level.EXPERTISE, vendor=kosmos)
    d["kosmos-n3"] = Desk.objects.create(slug="kosmos-n3", name="Kosmos — maintenance niveau 3", level=Level.VENDOR, vendor=kosmos)

    # --- Conventions and their support matrices (the same as docs/conventions/, see there why)
    # A cell names a kind of party, found per school: its level-0 desk, its circonscription's ERUN,
    # the collectivité competent for it, the editor, the académie's GAR desk.
    R = Resolver
    nice_matrix = {(0, ""): R.SCHOOL, (1, ""): R.CIRCONSCRIPTION, (1, Category.NETWORK): R.COLLECTIVITE, (3, ""): R.EDITOR}
    montpellier_matrix = {
        (0, ""): R.SCHOOL, (1, ""): R.CIRCONSCRIPTION, (1, Category.NETWORK): R.COLLECTIVITE, (1, Category.THIRD_PARTY): R.GAR,
        (2, ""): d["dsi-montpellier"], (3, ""): R.EDITOR,
    }
    ge_matrix = {
        (0, ""): R.SCHOOL, (0, Category.NETWORK): R.SKIP,
        (1, ""): d["guichet-nancy"], (1, Category.NETWORK): R.COLLECTIVITE, (1, Category.THIRD_PARTY): R.EDITOR,
        (1, Category.VIE_SCOLAIRE): (d["kosmos-n1"], DIRECT),
        (2, ""): d["kosmos-n2"], (3, ""): d["kosmos-n3"],
    }
    nice_schools = [w.schools[u] for u, *_ in NICE_SCHOOLS]
    maguelone_schools = [w.schools[u] for u, *_ in MONTPELLIER_SCHOOLS]
    sete_schools = [w.schools[u] for u, *_ in MONTPELLIER_OTHER_SCHOOLS]
    nice_terms = dict(academie=nice, product=one, fee_per_school=Decimal("0"), schools=nice_schools,
                      collectivites=[villeneuve_loubet], matrix=nice_matrix, fallback_desk=d["erun-antibes"],
                      **_signed_dsr_terms("alpes-maritimes-villeneuve-loubet.yaml"))
    maguelone_terms = dict(region=occitanie, academie=montpellier, product=ent_ecole, fee_per_school=Decimal("45.00"),
                           schools=maguelone_schools, collectivites=[maguelone], matrix=montpellier_matrix,
                           fallback_desk=d["dsi-montpellier"], **_signed_dsr_terms("occitanie-villeneuve-les-maguelone.yaml"))
    sete_terms = dict(academie=montpellier, product=ent_ecole, schools=sete_schools, collectivites=[sete_commune],
                      matrix=montpellier_matrix, fallback_desk=d["dsi-montpellier"])

    # Seed 000: "conclue à compter de sa signature [le … 2023] et prendra fin le 1er septembre 2023 ;
    # renouvelable par tacite reconduction par période d'un an sans pouvoir excéder trois ans".
    p = w.past_conventions
    p["nice_2023"] = _convention(
        reference="DSDEN06-VILLENEUVE-LOUBET-2023",
        title="Mise en place d'un ENT — Villeneuve-Loubet (signée en 2023 ; jour de signature illustratif)",
        starts_on=date(2023, 6, 1), ends_on=date(2023, 9, 1), **nice_terms,
        **_signed_lifecycle("alpes-maritimes-villeneuve-loubet.yaml"))
    p["nice_renewals"] = _convention(
        reference="DSDEN06-VILLENEUVE-LOUBET-2023-RECONDUCTIONS",
        title="Villeneuve-Loubet — reconductions tacites 2023-2024 et 2024-2025 (illustratives ; trois ans au plus en tout)",
        starts_on=date(2023, 9, 2), ends_on=date(2025, 9, 1), **nice_terms)
    c_nice = _convention(
        reference="DSDEN06-VILLENEUVE-LOUBET-2025-ILLUSTRATIVE",
        title="Villeneuve-Loubet — nouvelle convention 2025-2028 (illustrative : la précédente ne pouvait plus être reconduite)",
        starts_on=date(2025, 9, 2), ends_on=date(2028, 8, 31), **nice_terms)

    # Seed 002: decision 2022DECAD076 of 10/10/2022, "prend effet à la date de signature et se termine
    # au 1 septembre 2023", 2 schools at 45 € each.
    p["maguelone_2022"] = _convention(
        reference="OCCITANIE-VILLENEUVE-LES-MAGUELONE-2022DECAD076",
        title="ENT-école — Villeneuve-lès-Maguelone, année scolaire 2022-2023 (décision n° 2022DECAD076)",
        starts_on=date(2022, 10, 10), ends_on=date(2023, 9, 1), **maguelone_terms,
        **_signed_lifecycle("occitanie-villeneuve-les-maguelone.yaml"))
    c_mtp = _convention(
        reference="OCCITANIE-VILLENEUVE-LES-MAGUELONE-RECONDUCTIONS-2023-2028",
        title="ENT-école — Villeneuve-lès-Maguelone, reconductions annuelles 2023-2024 à 2027-2028 (illustratives, mêmes termes)",
        starts_on=date(2023, 9, 2), ends_on=date(2028, 8, 31), **maguelone_terms)

    # Seed 004: a blank template ("prend effet à la date de signature et se termine au 31 octobre
    # 2021", 50 € per school); the commune, the signature date and the school list are illustrative.
    p["sete_2020"] = _convention(
        reference="MONTPELLIER-ENT-ECOLE-SETE-2020",
        title="ENT-école — écoles de Sète, année scolaire 2020-2021 (modèle : commune, date de signature et écoles illustratives)",
        starts_on=date(2020, 9, 1), ends_on=date(2021, 10, 31), fee_per_school=Decimal("50.00"), **sete_terms,
        **_signed_lifecycle("montpellier-ent-ecole.json"))
    # The following conventions cover the list the demo avenant (below) set for 2021-2022.
    sete_avenant_schools = [w.schools[u] for u, *_ in SETE_AVENANT_SCHOOLS]
    c_sete = _convention(
        reference="MONTPELLIER-ENT-ECOLE-SETE-2021-2028-ILLUSTRATIVE",
        title="ENT-école — écoles de Sète, conventions suivantes 2021-2028 (illustratives ; 45 € par école comme la convention régionale)",
        starts_on=date(2021, 11, 1), ends_on=date(2028, 8, 31), fee_per_school=Decimal("45.00"),
        **{**sete_terms, "schools": sete_schools + sete_avenant_schools})

    # Seed 003 is undated ("Fait … le … 2019", no term): the dates are illustrative.
    c_ge = _convention(
        reference="GRAND-EST-ENT-2023",
        title="ENT du Grand Est — groupement de commandes (dates, titulaire et établissements illustratifs)",
        region=grand_est, academie=nancy, product=mbn, starts_on=date(2023, 9, 1), ends_on=date(2028, 8, 31),
        sla_policy_reference="grand-est-99.7", schools=list(ge.values()), collectivites=[moselle, region_ge], matrix=ge_matrix,
        fallback_desk=d["guichet-nancy"], **_signed_dsr_terms("grand-est.yaml"))
    w.conventions.update(nice=c_nice, montpellier=c_mtp, sete=c_sete, grand_est=c_ge)

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
    Membership.objects.create(user=person("region", "Noa", "Girard"), role=Role.AGENT, desk=d["region-tech"])
    Membership.objects.create(user=person("cpe", "CPE", "(fictif)"), role=Role.REQUESTER, school=w.schools["0570098X"])
    Membership.objects.create(user=person("gar", "Élie", "Fontaine"), role=Role.AGENT, desk=d["gar-montpellier"])
    # The chef d'établissement of Collège La Source (Moselle), director of publication under the Grand
    # Est communication charter (illustrative: the seed names no one).
    principal = person("principal", "Ariane", "Keller (fictive)")
    Membership.objects.create(user=principal, role=Role.REQUESTER, school=w.schools["0570098X"])
    Membership.objects.create(user=principal, role=Role.AGENT, desk=d["n0-0570098X"], is_school_contact=True)

    _sete_avenant(w, p["sete_2020"], sete_schools + sete_avenant_schools)
    return w


SETE_AVENANT_SENT_ON = date(2021, 9, 20)  # invented, inside the window the text sets


def _sete_avenant(w, convention, schools):
    """A version of the Montpellier 2020 convention (seed 004): the avenant of art. 6.2 for the school
    year 2021-2022, sent inside its window. The text's terms are quoted; the date of transmission and
    the school added are invented (exemple fictif). Recorded by the académie (the demo's manager)
    through the service, with its audit event."""
    from .services import record_school_list

    record_school_list(
        w.users["manager"], convention, school_year="2021-2022", sent_on=SETE_AVENANT_SENT_ON, schools=schools,
        summary=("Avenant n° 1 (exemple fictif) — article 6.2, changement d'année scolaire avec évolution de la liste "
                 "des écoles inscrites : « L'avenant, transmis à l'académie entre le 1er septembre et le 15 octobre de "
                 "l'année scolaire concernée par cette évolution, établit la nouvelle liste des écoles inscrites au titre "
                 "de l'année scolaire en cours. » Nouvelle liste pour 2021-2022 : École primaire Jean Moulin et École "
                 "maternelle du Port (exemple fictif), transmise le 20 septembre 2021 (date fictive)."))
