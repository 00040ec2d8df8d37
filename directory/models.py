"""Who: the territorial tree, vendors and products, conventions and their support matrix, desks,
people and their memberships. Every ticket list is scoped through this tree (see selectors)."""

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.querysets import AppendOnlyQuerySet

from .choices import Category, CollectiviteKind, DeskSpeciality, HolidayZone, Level, Resolver, Role, SchoolKind
from .lifecycle import AmendmentKind, validate_lifecycle
from .validators import normalize_uai, validate_siret, validate_uai


class User(AbstractUser):
    """A person: teacher, agent, manager… Roles come from memberships, never from this row."""

    aaf_id = models.CharField(_("identifiant AAF"), max_length=64, blank=True, db_index=True)
    phone = models.CharField(_("téléphone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self):
        return self.get_full_name() or self.username


class OidcIdentity(models.Model):
    """The identity provider's account (issuer, sub) bound to a directory account at its first
    sign-in; later sign-ins find the account by this binding only, never by e-mail again."""

    user = models.ForeignKey(User, verbose_name=_("utilisateur"), on_delete=models.CASCADE, related_name="oidc_identities")
    issuer = models.CharField(_("fournisseur d'identité (iss)"), max_length=255)
    sub = models.CharField(_("identifiant chez le fournisseur (sub)"), max_length=255)
    created_at = models.DateTimeField(_("reliée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("identité OpenID Connect")
        verbose_name_plural = _("identités OpenID Connect")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "sub"], name="oidc_identity_unique_sub"),
            # One provider account per person and provider: another sub is refused, not added.
            models.UniqueConstraint(fields=["user", "issuer"], name="oidc_identity_one_per_issuer"),
        ]

    def __str__(self):
        return f"{self.user} — {self.issuer}"


class RegionAcademique(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("nom"), max_length=120)

    class Meta:
        verbose_name = _("région académique")
        verbose_name_plural = _("régions académiques")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Academie(models.Model):
    code = models.CharField(_("code"), max_length=8, unique=True, help_text=_("Code académie, ex. 11 pour Montpellier."))
    name = models.CharField(_("nom"), max_length=120)
    region = models.ForeignKey(
        RegionAcademique, verbose_name=_("région académique"), on_delete=models.PROTECT,
        related_name="academies", null=True, blank=True,
    )
    holiday_zone = models.CharField(_("zone de vacances"), max_length=32, choices=HolidayZone.choices)
    holiday_subdivision = models.CharField(
        _("subdivision des jours fériés"), max_length=8, blank=True,
        help_text=_("Ex. 57, 67, 68 ou 6AE pour l'Alsace-Moselle (Vendredi saint, 26 décembre)."),
    )
    timezone = models.CharField(
        _("fuseau horaire"), max_length=64, default="Europe/Paris",
        help_text=_("Fuseau IANA des écoles de l'académie (ex. Indian/Reunion, America/Guadeloupe) : "
                    "la plage contractuelle 8 h – 22 h s'y lit en heure locale."),
    )

    class Meta:
        verbose_name = _("académie")
        verbose_name_plural = _("académies")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Circonscription(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    academie = models.ForeignKey(Academie, verbose_name=_("académie"), on_delete=models.PROTECT, related_name="circonscriptions")

    class Meta:
        verbose_name = _("circonscription")
        verbose_name_plural = _("circonscriptions")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Collectivite(models.Model):
    name = models.CharField(_("nom"), max_length=160)
    kind = models.CharField(_("type"), max_length=16, choices=CollectiviteKind.choices)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    insee_code = models.CharField(_("code INSEE / département"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("collectivité")
        verbose_name_plural = _("collectivités")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["siret"], condition=~Q(siret=""), name="collectivite_siret_unique"),
        ]

    def __str__(self):
        return self.name


class School(models.Model):
    uai = models.CharField(_("UAI"), max_length=8, unique=True, validators=[validate_uai])
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=16, choices=SchoolKind.choices, default=SchoolKind.PRIMAIRE)
    commune_code = models.CharField(_("code commune"), max_length=8, blank=True)
    commune = models.CharField(_("commune"), max_length=120, blank=True)
    email = models.EmailField(_("adresse électronique"), blank=True)
    academie = models.ForeignKey(Academie, verbose_name=_("académie"), on_delete=models.PROTECT, related_name="schools")
    circonscription = models.ForeignKey(
        Circonscription, verbose_name=_("circonscription"), on_delete=models.PROTECT,
        related_name="schools", null=True, blank=True,
    )
    collectivite = models.ForeignKey(
        Collectivite, verbose_name=_("collectivité de rattachement"), on_delete=models.PROTECT,
        related_name="schools", null=True, blank=True,
    )

    class Meta:
        verbose_name = _("école / établissement")
        verbose_name_plural = _("écoles / établissements")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.uai})"

    def clean(self):
        self.uai = normalize_uai(self.uai)
        if self.circonscription_id and self.circonscription.academie_id != self.academie_id:
            raise ValidationError({"circonscription": _("La circonscription n'appartient pas à l'académie de l'école.")})


class Vendor(models.Model):
    slug = models.SlugField(_("identifiant"), unique=True)
    name = models.CharField(_("nom"), max_length=160)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    support_email = models.EmailField(
        _("adresse du support"), blank=True,
        help_text=_("Où transmettre une demande quand l'éditeur n'a pas de guichet dans l'outil (éditeur tiers)."),
    )

    class Meta:
        verbose_name = _("éditeur")
        verbose_name_plural = _("éditeurs")
        ordering = ["name"]

    def __str__(self):
        return self.name


class EntProduct(models.Model):
    slug = models.SlugField(_("identifiant"), unique=True)
    name = models.CharField(_("nom"), max_length=160)
    vendor = models.ForeignKey(Vendor, verbose_name=_("éditeur"), on_delete=models.PROTECT, related_name="products")

    class Meta:
        verbose_name = _("solution ENT")
        verbose_name_plural = _("solutions ENT")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Resource(models.Model):
    """A service or resource teachers use through the ENT whose editor is not (always) the ENT's:
    a GAR resource of the MédiaCentre, a third-party software. Its editor is who the competent
    authority turns to (Grand Est art. 6); a GAR resource goes first to the académie's GAR desk
    (Poitiers art. 2 and 7)."""

    slug = models.SlugField(_("identifiant"), unique=True, max_length=80)
    name = models.CharField(_("nom"), max_length=160)
    editor = models.ForeignKey(Vendor, verbose_name=_("éditeur"), on_delete=models.PROTECT, related_name="resources")
    is_gar = models.BooleanField(_("distribuée par le GAR (MédiaCentre)"), default=False)

    class Meta:
        verbose_name = _("ressource ou service tiers")
        verbose_name_plural = _("ressources et services tiers")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Desk(models.Model):
    """A support team at one level, owned by exactly one organisation (which gives its scope)."""

    slug = models.SlugField(_("identifiant"), unique=True, max_length=80)
    name = models.CharField(_("nom"), max_length=160)
    level = models.PositiveSmallIntegerField(_("niveau"), choices=Level.choices)
    email = models.EmailField(_("adresse de contact"), blank=True)
    speciality = models.CharField(_("spécialité"), max_length=16, choices=DeskSpeciality.choices, default="", blank=True)
    school = models.ForeignKey(School, on_delete=models.CASCADE, null=True, blank=True, related_name="desks", verbose_name=_("école"))
    circonscription = models.ForeignKey(Circonscription, on_delete=models.CASCADE, null=True, blank=True, related_name="desks", verbose_name=_("circonscription"))
    academie = models.ForeignKey(Academie, on_delete=models.CASCADE, null=True, blank=True, related_name="desks", verbose_name=_("académie"))
    region = models.ForeignKey(RegionAcademique, on_delete=models.CASCADE, null=True, blank=True, related_name="desks", verbose_name=_("région académique"))
    collectivite = models.ForeignKey(Collectivite, on_delete=models.CASCADE, null=True, blank=True, related_name="desks", verbose_name=_("collectivité"))
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, null=True, blank=True, related_name="desks", verbose_name=_("éditeur"))

    OWNER_FIELDS = ("school", "circonscription", "academie", "region", "collectivite", "vendor")

    class Meta:
        verbose_name = _("guichet / équipe")
        verbose_name_plural = _("guichets / équipes")
        ordering = ["level", "name"]
        constraints = [
            models.CheckConstraint(
                name="desk_exactly_one_owner",
                condition=(
                    Q(school__isnull=False, circonscription=None, academie=None, region=None, collectivite=None, vendor=None)
                    | Q(school=None, circonscription__isnull=False, academie=None, region=None, collectivite=None, vendor=None)
                    | Q(school=None, circonscription=None, academie__isnull=False, region=None, collectivite=None, vendor=None)
                    | Q(school=None, circonscription=None, academie=None, region__isnull=False, collectivite=None, vendor=None)
                    | Q(school=None, circonscription=None, academie=None, region=None, collectivite__isnull=False, vendor=None)
                    | Q(school=None, circonscription=None, academie=None, region=None, collectivite=None, vendor__isnull=False)
                ),
            ),
        ]

    def __str__(self):
        return f"{self.name} (N{self.level})"

    @property
    def owner(self):
        for field in self.OWNER_FIELDS:
            value = getattr(self, field)
            if value is not None:
                return value
        return None

    @property
    def is_vendor_desk(self) -> bool:
        return self.vendor_id is not None

    def clean(self):
        owners = [f for f in self.OWNER_FIELDS if getattr(self, f"{f}_id")]
        if len(owners) != 1:
            raise ValidationError(_("Un guichet appartient à exactement une organisation."))


class Convention(models.Model):
    reference = models.CharField(_("référence"), max_length=80, unique=True)
    title = models.CharField(_("intitulé"), max_length=255, blank=True)
    academie = models.ForeignKey(Academie, on_delete=models.PROTECT, null=True, blank=True, related_name="conventions", verbose_name=_("académie"))
    region = models.ForeignKey(RegionAcademique, on_delete=models.PROTECT, null=True, blank=True, related_name="conventions", verbose_name=_("région académique"))
    collectivites = models.ManyToManyField(Collectivite, related_name="conventions", verbose_name=_("collectivités"), blank=True)
    product = models.ForeignKey(EntProduct, on_delete=models.PROTECT, related_name="conventions", verbose_name=_("solution ENT"))
    starts_on = models.DateField(_("début de validité"))
    ends_on = models.DateField(_("fin de validité"))
    fee_per_school = models.DecimalField(_("coût par école et par an (€)"), max_digits=9, decimal_places=2, default=Decimal("0"))
    schools = models.ManyToManyField(School, through="ConventionSchool", related_name="conventions", verbose_name=_("écoles couvertes"))
    sla_policy_reference = models.CharField(_("politique de service"), max_length=80, blank=True)
    fallback_desk = models.ForeignKey(
        "Desk", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("guichet de repli"),
        help_text=_("Reçoit une demande dont la matrice ne trouve pas le guichet compétent ; les administrateurs sont alertés."),
    )
    # Data-subject requests (GDPR art. 12 and 26): who answers, read from the convention's text
    # (see privacy/requests.py and docs/directory.md, key `data_subject_requests`).
    dsr_modules = models.JSONField(
        _("modules et leur responsable"), default=list, blank=True,
        help_text=_("[{slug, name, owner}] ; owner : collectivite, academie, school ou shared."),
    )
    dsr_rules = models.JSONField(
        _("règles de compétence (demandes de droits)"), default=list, blank=True,
        help_text=_("Liste ordonnée ; la première qui s'applique désigne le responsable : {module_owner?, scope?, controller, why}."),
    )
    dsr_forward_days = models.PositiveSmallIntegerField(
        _("délai de transmission d'une demande mal adressée (jours)"), null=True, blank=True,
        help_text=_("0 = le jour même (« immédiatement ») ; vide = la convention ne fixe pas de délai."),
    )
    dsr_relay_answer = models.BooleanField(
        _("la réponse est communiquée à la collectivité"), default=False,
        help_text=_("Poitiers, art. 5 : la DSDEN fait part à la collectivité de la réponse apportée."),
    )
    dsr_source = models.CharField(_("source (article de la convention)"), max_length=255, blank=True)
    # Personal-data breach: who notifies the CNIL, joint drafting (directory/breach_rules.py, key
    # `breach_notification`); empty: each controller notifies for its part (GDPR art. 33).
    breach_rules = models.JSONField(
        _("règles de notification d'une violation"), default=dict, blank=True,
        help_text=_("{source, cnil_notifier : academie, collectivite, school ou perimeter, joint_draft}."),
    )
    # Duration, tacit renewal, notices, conciliation, as the text gives them (directory/lifecycle.py,
    # key `lifecycle`); the state at a date is computed from them and the recorded amendments.
    lifecycle = models.JSONField(
        _("durée, reconduction et préavis"), default=dict, blank=True, validators=[validate_lifecycle],
        help_text=_("{source, clauses, initial_term, tacit_renewal, refusal_notice_months, denunciation_notice_months, "
                    "amendment_notice_months, conciliation}."),
    )

    class Meta:
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        ordering = ["-starts_on", "reference"]
        constraints = [
            models.CheckConstraint(name="convention_dates_ordered", condition=Q(ends_on__gte=models.F("starts_on"))),
            models.CheckConstraint(name="convention_has_state_party", condition=Q(academie__isnull=False) | Q(region__isnull=False)),
        ]

    def __str__(self):
        return self.reference

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("La fin de validité précède le début.")})
        if not self.academie_id and not self.region_id:
            raise ValidationError(_("Une convention a pour partie une académie ou une région académique."))

    @property
    def school_years(self) -> list[str]:
        """School years (Sept → Aug) the validity period touches, e.g. ['2022-2023']."""
        first = self.starts_on.year if self.starts_on.month >= 9 else self.starts_on.year - 1
        last = self.ends_on.year if self.ends_on.month >= 9 else self.ends_on.year - 1
        return [f"{y}-{y + 1}" for y in range(first, last + 1)]


class ConventionAmendmentQuerySet(AppendOnlyQuerySet):
    update_refused = "Une version de convention ne se modifie pas : enregistrez un nouvel avenant."
    delete_refused = "Une version de convention ne s'efface pas."


class ConventionEventQuerySet(AppendOnlyQuerySet):
    update_refused = "Le journal d'une convention ne se modifie pas."
    delete_refused = "Le journal d'une convention ne s'efface pas."


class ConventionAmendment(models.Model):
    """A version of a convention: a renewal, an avenant, a dénonciation or a refusal of renewal,
    with the day it was signed (or sent) and the day it takes effect (for a termination: the last
    day in force). Recorded through directory.services.record_amendment; never rewritten."""

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("convention"))
    kind = models.CharField(_("nature"), max_length=20, choices=AmendmentKind.choices)
    signed_on = models.DateField(_("signé ou envoyé le"))
    takes_effect_on = models.DateField(_("prend effet le"))
    new_ends_on = models.DateField(_("nouvelle fin de validité"), null=True, blank=True,
                                   help_text=_("Renouvellement ou avenant qui change la fin."))
    summary = models.TextField(_("objet et contenu"))
    # An avenant that sets the list of enrolled schools for a school year (Montpellier 2020 art. 6.2
    # and 8): the new list, and the communes party from that year (RPI changes); see directory/enrolment.py.
    school_year = models.CharField(_("année scolaire de la liste des écoles"), max_length=9, blank=True,
                                   help_text=_("Vide : la version ne change pas la liste des écoles inscrites."))
    schools = models.ManyToManyField(School, blank=True, related_name="listed_in_amendments", verbose_name=_("écoles inscrites (nouvelle liste)"))
    collectivites = models.ManyToManyField(Collectivite, blank=True, related_name="+", verbose_name=_("communes ajoutées (RPI)"))
    recorded_by = models.ForeignKey("User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("enregistré par"))
    recorded_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    objects = ConventionAmendmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("version de convention (avenant, renouvellement…)")
        verbose_name_plural = _("versions de convention (avenants, renouvellements…)")
        ordering = ["convention", "signed_on", "pk"]

    def __str__(self):
        return f"{self.convention} — {self.get_kind_display()} du {self.signed_on:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(ConventionAmendmentQuerySet.update_refused)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(ConventionAmendmentQuerySet.delete_refused)


class ConventionEvent(models.Model):
    """The audit trail of a convention's lifecycle writes: who recorded which version, when."""

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="events", verbose_name=_("convention"))
    at = models.DateTimeField(_("date"), auto_now_add=True)
    actor = models.ForeignKey("User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("auteur"))
    kind = models.CharField(_("événement"), max_length=32)
    payload = models.JSONField(_("détails"), default=dict, blank=True)

    objects = ConventionEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement de convention")
        verbose_name_plural = _("événements de convention")
        ordering = ["convention", "id"]

    def __str__(self):
        return f"{self.convention} — {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(ConventionEventQuerySet.update_refused)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(ConventionEventQuerySet.delete_refused)


class ConventionSchool(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="coverage", verbose_name=_("convention"))
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="coverage", verbose_name=_("école"))
    # Empty: the school is on the convention's own annex (the base list); else the first avenant
    # that listed it. Which schools are enrolled in a school year: directory/enrolment.py.
    added_by = models.ForeignKey("ConventionAmendment", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("ajoutée par l'avenant"))

    class Meta:
        verbose_name = _("école couverte")
        verbose_name_plural = _("écoles couvertes")
        constraints = [models.UniqueConstraint(fields=["convention", "school"], name="convention_school_unique")]

    def __str__(self):
        return f"{self.school} — {self.convention}"


class SupportRoute(models.Model):
    """One cell of a convention's support matrix: at this level, for this category, which party
    handles it. An empty category is the level's default for categories without a row of their own.

    The conventions name a kind of party (`resolver`): a fixed desk, the school's level-0 desk, its
    circonscription's desk, the collectivité competent for the school, the editor of the resource
    concerned, the académie's GAR desk — or say the level does not handle the category (`skip`).
    `directory.routing.resolve` turns it into a desk for a given school.

    `direct_access`: the convention gives this category a direct access to the cell's party, without
    the qualification and the proven malfunction it otherwise requires before a vendor's desk
    (Grand Est: vie scolaire; Poitiers: the editor handles all assistance about its interface).
    """

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="routes", verbose_name=_("convention"))
    level = models.PositiveSmallIntegerField(_("niveau"), choices=Level.choices)
    category = models.CharField(_("catégorie"), max_length=32, choices=Category.choices, blank=True)
    resolver = models.CharField(_("partie désignée"), max_length=16, choices=Resolver.choices, default=Resolver.DESK)
    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, related_name="routes", verbose_name=_("guichet"), null=True, blank=True)
    direct_access = models.BooleanField(
        _("accès direct (sans qualification ni dysfonctionnement avéré)"), default=False,
    )

    class Meta:
        verbose_name = _("ligne de la matrice de support")
        verbose_name_plural = _("matrice de support")
        ordering = ["convention", "level", "category"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "level", "category"], name="support_route_unique"),
            models.CheckConstraint(
                name="support_route_desk_iff_fixed",
                condition=Q(resolver="desk", desk__isnull=False) | (~Q(resolver="desk") & Q(desk__isnull=True)),
            ),
        ]

    def __str__(self):
        target = self.desk if self.resolver == Resolver.DESK else self.get_resolver_display()
        category = self.get_category_display() if self.category else _("autres catégories")
        return f"{self.convention} — {self.get_level_display()} — {category} → {target}"

    @property
    def handles(self) -> bool:
        return self.resolver != Resolver.SKIP

    def clean(self):
        if self.resolver == Resolver.SCHOOL and self.level != Level.SCHOOL:
            raise ValidationError({"resolver": _("Seul le niveau 0 peut renvoyer au guichet de l'école.")})
        if self.resolver == Resolver.DESK and not self.desk_id:
            raise ValidationError({"desk": _("Choisissez le guichet désigné.")})
        if self.resolver != Resolver.DESK and self.desk_id:
            raise ValidationError({"desk": _("Un guichet n'est désigné que pour la partie « guichet désigné ».")})
        if self.desk_id and self.desk.level != self.level:
            raise ValidationError({"desk": _("Le guichet choisi n'est pas de ce niveau.")})


class Membership(models.Model):
    """A user's role on a desk or in an organisation. Exactly one target."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("utilisateur"))
    role = models.CharField(_("rôle"), max_length=16, choices=Role.choices)
    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships", verbose_name=_("guichet"))
    school = models.ForeignKey(School, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships", verbose_name=_("école"))
    circonscription = models.ForeignKey(Circonscription, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships", verbose_name=_("circonscription"))
    academie = models.ForeignKey(Academie, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships", verbose_name=_("académie"))
    region = models.ForeignKey(RegionAcademique, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships", verbose_name=_("région académique"))
    collectivite = models.ForeignKey(Collectivite, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships", verbose_name=_("collectivité"))
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships", verbose_name=_("éditeur"))
    is_school_contact = models.BooleanField(_("correspondant ENT / directeur"), default=False)

    TARGET_FIELDS = ("desk", "school", "circonscription", "academie", "region", "collectivite", "vendor")

    class Meta:
        verbose_name = _("appartenance")
        verbose_name_plural = _("appartenances")
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.target or _('toute la plateforme')}"

    @property
    def target(self):
        for field in self.TARGET_FIELDS:
            value = getattr(self, field)
            if value is not None:
                return value
        return None

    def clean(self):
        targets = [f for f in self.TARGET_FIELDS if getattr(self, f"{f}_id")]
        if self.role == Role.ADMIN and not targets:
            return  # a platform administrator needs no organisation
        if len(targets) != 1:
            raise ValidationError(_("Une appartenance vise exactement un guichet ou une organisation."))


class ConventionReminder(models.Model):
    """A reminder sent before one deadline of a convention (directory/reminders.py): once per
    convention, kind of deadline and date, whatever the number of runs."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("convention"))
    kind = models.CharField(_("échéance"), max_length=40)
    due_on = models.DateField(_("date de l'échéance"))
    label = models.CharField(_("libellé"), max_length=255)
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)
    recipients = models.JSONField(_("destinataires"), default=list, blank=True)

    class Meta:
        verbose_name = _("rappel d'échéance de convention")
        verbose_name_plural = _("rappels d'échéance de convention")
        ordering = ["convention", "due_on"]
        constraints = [models.UniqueConstraint(fields=["convention", "kind", "due_on"], name="convention_reminder_once")]

    def __str__(self):
        return f"{self.convention} — {self.label} ({self.due_on:%d/%m/%Y})"
