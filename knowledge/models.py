"""The knowledge base (FAQ and tutorials the conventions expect: Poitiers art. 5 "tutoriels [...]
foire aux questions", Grand Est art. 3 "foires aux questions inter-académiques"), the search index
of articles and tickets, the deflections counted on the report form and the people who joined an
existing ticket ("Je suis aussi concerné·e") instead of opening a duplicate.

Writes go through `knowledge.services`; reads through `knowledge.selectors` and `knowledge.search`.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.querysets import AppendOnlyQuerySet as BaseAppendOnlyQuerySet


class Audience(models.TextChoices):
    TEACHER = "enseignant", _("Enseignants")
    DIRECTOR = "directeur", _("Directeurs et correspondants ENT")
    AGENT = "agent", _("Agents de support")


class Status(models.TextChoices):
    DRAFT = "brouillon", _("Brouillon")
    REVIEW = "a_relire", _("À relire")
    PUBLISHED = "publie", _("Publié")


class Article(models.Model):
    Audience = Audience
    Status = Status

    slug = models.SlugField(_("adresse"), max_length=120, unique=True)
    title = models.CharField(_("titre"), max_length=200)
    summary = models.CharField(_("résumé"), max_length=300, blank=True)
    body = models.TextField(_("contenu"), help_text=_("Markdown ; nettoyé à l'affichage comme les descriptions des demandes."))
    audience = models.CharField(_("public visé"), max_length=16, choices=Audience.choices, default=Audience.TEACHER)
    product = models.ForeignKey("directory.EntProduct", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("solution ENT"))
    service = models.ForeignKey("sla.Service", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("service"))
    owner_organisation = models.CharField(
        _("organisation propriétaire"), max_length=40,
        help_text=_("Clé de l'organisation de l'auteur (ex. academie:3) : elle seule lit et modifie les brouillons."))
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    review_on = models.DateField(_("à revoir le"), null=True, blank=True)
    source_ticket = models.ForeignKey("tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("demande d'origine"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("auteur"))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("mis à jour le"), default=timezone.now)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("article d'aide")
        verbose_name_plural = _("articles d'aide")
        ordering = ["title"]
        indexes = [models.Index(fields=["status", "audience"], name="kb_article_status_idx")]

    def __str__(self):
        return self.title


class ArticleEventQuerySet(BaseAppendOnlyQuerySet):
    update_refused = "L'historique d'un article ne se modifie pas."
    delete_refused = "L'historique d'un article ne s'efface pas."


class ArticleEvent(models.Model):
    """Audit trail of the knowledge base: who created, edited, submitted, published what."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="events", verbose_name=_("article"))
    at = models.DateTimeField(_("date"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("auteur"))
    kind = models.CharField(_("événement"), max_length=32)
    payload = models.JSONField(_("détails"), default=dict, blank=True)

    objects = ArticleEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement d'article")
        verbose_name_plural = _("événements d'article")
        ordering = ["article", "id"]

    def __str__(self):
        return f"{self.article_id} — {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(ArticleEventQuerySet.update_refused)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(ArticleEventQuerySet.delete_refused)


class SearchEntry(models.Model):
    """One searchable text: an article, a ticket's title and description, or one contribution
    (comment) with its audience — so a search only finds what the reader may read
    (tickets.access: the ticket's rule, then the entry's audience). Kept by knowledge.receivers.

    PostgreSQL: `vector` (french + unaccent configuration, GIN index). SQLite: the FTS5 table
    `knowledge_fts` (rowid = this id), stemmed text written by knowledge.search."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, null=True, blank=True, related_name="search_entry")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    comment = models.OneToOneField("tickets.Comment", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    visibility = models.CharField(_("visible par"), max_length=16, default="public")
    organisation = models.CharField(_("organisation de l'auteur"), max_length=40, blank=True)
    title = models.CharField(_("titre"), max_length=200, blank=True)
    body = models.TextField(_("texte"), blank=True)
    vector = SearchVectorField(null=True, editable=False)
    # The ticket's columns the access rule reads (tickets.access.visible_q / chain_q), copied here
    # so a search filters the perimeter in the index scan, before ranking (knowledge.search:
    # TICKET_COLUMNS maps each rule path to its column; kept in step by knowledge.receivers).
    ticket_requester = models.IntegerField(null=True, blank=True, editable=False)
    ticket_school = models.IntegerField(null=True, blank=True, editable=False)
    ticket_circonscription = models.IntegerField(null=True, blank=True, editable=False)
    ticket_academie = models.IntegerField(null=True, blank=True, editable=False)
    ticket_region = models.IntegerField(null=True, blank=True, editable=False)
    ticket_collectivite = models.IntegerField(null=True, blank=True, editable=False)
    ticket_desk = models.IntegerField(null=True, blank=True, editable=False)
    ticket_vendor = models.IntegerField(null=True, blank=True, editable=False)
    ticket_reached_vendor = models.BooleanField(null=True, blank=True, editable=False)
    ticket_category = models.CharField(max_length=32, blank=True, editable=False)
    ticket_state = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        verbose_name = _("entrée de l'index de recherche")
        verbose_name_plural = _("entrées de l'index de recherche")
        indexes = [models.Index(fields=[f"ticket_{name}"], name=f"kb_entry_t_{name}_idx")
                   for name in ("requester", "school", "circonscription", "academie", "region", "collectivite",
                                "desk", "vendor")]
        constraints = [
            models.UniqueConstraint(fields=["ticket"], condition=models.Q(comment__isnull=True, ticket__isnull=False),
                                    name="kb_one_main_entry_per_ticket"),
        ]

    def __str__(self):
        return self.title or f"#{self.pk}"


class Deflection(models.Model):
    """"Ça m'a aidé": a report abandoned because an article answered it (counted per school)."""

    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("école"))
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="deflections", verbose_name=_("article"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("personne"))
    query = models.CharField(_("texte saisi"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("demande évitée")
        verbose_name_plural = _("demandes évitées")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.article} — {self.at:%d/%m/%Y}"


class Concerned(models.Model):
    """"Je suis aussi concerné·e": a person who joined an existing open ticket instead of opening
    a duplicate; told when it is resolved (knowledge.receivers)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+", verbose_name=_("demande"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("personne"))
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("école"))
    at = models.DateTimeField(_("date"), default=timezone.now)
    notified_at = models.DateTimeField(_("prévenu·e de la résolution le"), null=True, blank=True)

    class Meta:
        verbose_name = _("personne aussi concernée")
        verbose_name_plural = _("personnes aussi concernées")
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="kb_concerned_once")]

    def __str__(self):
        return f"{self.ticket_id} — {self.user}"
