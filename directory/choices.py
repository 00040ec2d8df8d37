"""Domain vocabularies shared by the apps (stored values in English, labels in French)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    SCHOOL = 0, _("Niveau 0 — école")
    AUTHORITY = 1, _("Niveau 1 — autorité compétente")
    EXPERTISE = 2, _("Niveau 2 — expertise")
    VENDOR = 3, _("Niveau 3 — éditeur")


class Category(models.TextChoices):
    USAGE = "usage", _("Question d'utilisation")
    MALFUNCTION = "malfunction", _("Dysfonctionnement")
    ACCOUNT = "account", _("Compte et accès")
    NETWORK = "network_hardware", _("Réseau et matériel")
    THIRD_PARTY = "third_party", _("Ressource tierce / GAR et MédiaCentre")
    VIE_SCOLAIRE = "vie_scolaire", _("Vie scolaire")
    DATA_PROTECTION = "data_protection", _("Demande relative aux données personnelles")
    SECURITY = "security_incident", _("Incident de sécurité")
    OTHER = "other", _("Autre")


class Role(models.TextChoices):
    REQUESTER = "requester", _("Demandeur")
    AGENT = "agent", _("Agent de support")
    OBSERVER = "observer", _("Observateur (formateur)")
    MANAGER = "manager", _("Responsable / pilotage")
    DPO = "dpo", _("Délégué à la protection des données")
    ADMIN = "admin", _("Administrateur")


class HolidayZone(models.TextChoices):
    A = "A", _("Zone A")
    B = "B", _("Zone B")
    C = "C", _("Zone C")
    CORSE = "Corse", _("Corse")
    GUADELOUPE = "Guadeloupe", _("Guadeloupe")
    GUYANE = "Guyane", _("Guyane")
    MARTINIQUE = "Martinique", _("Martinique")
    MAYOTTE = "Mayotte", _("Mayotte")
    REUNION = "Réunion", _("La Réunion")
    NOUVELLE_CALEDONIE = "Nouvelle Calédonie", _("Nouvelle-Calédonie")
    POLYNESIE = "Polynésie", _("Polynésie")
    SPM = "Saint Pierre et Miquelon", _("Saint-Pierre-et-Miquelon")
    WALLIS = "Wallis et Futuna", _("Wallis-et-Futuna")


class CollectiviteKind(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    EPCI = "epci", _("EPCI")
    RPI = "rpi", _("Regroupement pédagogique intercommunal")
    DEPARTEMENT = "departement", _("Département")
    REGION = "region", _("Région")


class SchoolKind(models.TextChoices):
    MATERNELLE = "maternelle", _("École maternelle")
    ELEMENTAIRE = "elementaire", _("École élémentaire")
    PRIMAIRE = "primaire", _("École primaire")
    COLLEGE = "college", _("Collège")
    LYCEE = "lycee", _("Lycée")
    OTHER = "other", _("Autre établissement")


class Resolver(models.TextChoices):
    """How a cell of the support matrix names its party. The conventions name a *kind* of party
    (the school, its circonscription, the competent collectivité, the editor of the resource…)
    whose identity depends on the school: `directory.routing.resolve` finds it."""

    DESK = "desk", _("Guichet désigné")
    SCHOOL = "school", _("Guichet de niveau 0 de l'école")
    CIRCONSCRIPTION = "circonscription", _("Guichet de la circonscription de l'école")
    COLLECTIVITE = "collectivite", _("Collectivité compétente pour l'école")
    EDITOR = "editor", _("Éditeur du service ou de la ressource concernés")
    GAR = "gar", _("Assistance GAR / MédiaCentre de l'académie")
    SKIP = "skip", _("Niveau non concerné")


class DeskSpeciality(models.TextChoices):
    GENERAL = "", _("Assistance générale")
    GAR = "gar", _("Assistance GAR / MédiaCentre (DSDEN et SRANE)")


class BeneficiaryKind(models.TextChoices):
    """For whom a ticket is opened when the person who enters it is not the one concerned."""

    SELF = "", _("La personne qui saisit")
    TEACHER = "teacher", _("Enseignant")
    DIRECTOR = "director", _("Directeur ou chef d'établissement")
    STAFF = "staff", _("Autre personnel de l'école")
    PARENT = "parent", _("Parent d'élève")


class ConventionParty(models.TextChoices):
    """A kind of party of a convention (which one depends on the convention and the school)."""

    ACADEMIE = "academie", _("Éducation nationale (DSDEN, rectorat)")
    COLLECTIVITE = "collectivite", _("Collectivité")
    SCHOOL = "school", _("Établissement (chef d'établissement)")
