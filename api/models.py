"""API clients, idempotency keys and outbound webhooks.

An API client is a django-oauth-toolkit Application (client credentials, hashed secret) plus a
service user holding agent memberships on the client's desks: the ticket services and perimeters
then apply to machine clients exactly as to people.
"""

import base64
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

from directory.models import Desk, Vendor
from tickets.events import WEBHOOK_TYPES


class ApiClient(models.Model):
    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="api_client",
        verbose_name=_("application OAuth2"),
    )
    name = models.CharField(_("nom"), max_length=160)
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client", verbose_name=_("compte de service"),
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, null=True, blank=True, related_name="api_clients", verbose_name=_("éditeur"))
    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, null=True, blank=True, related_name="api_clients", verbose_name=_("guichet"))
    scopes = models.CharField(_("portées"), max_length=255, help_text=_("Séparées par des espaces."))
    owner_email = models.EmailField(_("adresse du responsable"), blank=True, help_text=_("Reçoit les avis (webhooks désactivés…)."))
    throttle_rate = models.CharField(_("débit autorisé"), max_length=32, blank=True, help_text=_("Ex. 600/min ; vide : valeur par défaut."))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("client d'API")
        verbose_name_plural = _("clients d'API")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="api_client_one_owner",
                condition=Q(vendor__isnull=False, desk__isnull=True) | Q(vendor__isnull=True, desk__isnull=False),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """One row per (client user, key), inserted before the request runs: the unique constraint is
    what makes concurrent retries create exactly one resource."""

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", _("en cours")
        DONE = "done", _("terminée")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("utilisateur du client"))
    key = models.CharField(_("clé"), max_length=255)
    method = models.CharField(_("méthode HTTP"), max_length=8)
    path = models.CharField(_("chemin"), max_length=500)
    fingerprint = models.CharField(_("empreinte de la requête"), max_length=64)
    state = models.CharField(_("état"), max_length=16, choices=State.choices, default=State.IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(_("code HTTP de la réponse"), null=True, blank=True)
    response_body = models.BinaryField(_("corps de la réponse"), null=True, blank=True)
    response_headers = models.JSONField(_("en-têtes de la réponse"), default=dict, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"), db_index=True)

    class Meta:
        verbose_name = _("clé d'idempotence")
        verbose_name_plural = _("clés d'idempotence")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")]

    def __str__(self):
        return f"{self.method} {self.path} — {self.key} ({self.get_state_display()})"


# The webhook event types are those of the event vocabulary (tickets.events.WEBHOOK_TYPES).
WebhookEvent = models.TextChoices(
    "WebhookEvent", [(wt.name.upper().replace(".", "_"), (wt.name, wt.label)) for wt in WEBHOOK_TYPES],
)


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookSubscription(models.Model):
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("client d'API"))
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("événements"), default=list)
    description = models.CharField(_("description"), max_length=255, blank=True)
    secret = models.CharField(_("secret de signature"), max_length=80, default=new_webhook_secret)
    is_active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("échecs consécutifs"), default=0)
    disabled_at = models.DateTimeField(_("désactivée le"), null=True, blank=True)
    disabled_reason = models.CharField(_("motif de désactivation"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    class Meta:
        verbose_name = _("abonnement webhook")
        verbose_name_plural = _("abonnements webhook")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.client} → {self.url}"


class WebhookDelivery(models.Model):
    """One event for one subscription: the same webhook-id for every attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("à envoyer")
        SUCCEEDED = "succeeded", _("livrée")
        FAILED = "failed", _("abandonnée")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("abonnement"))
    webhook_id = models.CharField(_("webhook-id"), max_length=64, unique=True)
    event_type = models.CharField(_("événement"), max_length=32, choices=WebhookEvent.choices)
    payload = models.JSONField(_("contenu"))
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True, db_index=True)
    last_status_code = models.PositiveSmallIntegerField(_("dernier code HTTP"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    log = models.JSONField(_("journal des tentatives"), default=list, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    delivered_at = models.DateTimeField(_("livrée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("livraison webhook")
        verbose_name_plural = _("livraisons webhook")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_event_type_display()} → {self.subscription} ({self.get_status_display()})"


class PivotLink(models.Model):
    """A ticket known to another tool through the OPEN-ENT-NG support-pivot format: the identifiers and
    external status it sent, so that a retried or repeated import updates instead of duplicating."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="pivot_links", verbose_name=_("client d'API"))
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="pivot_links", verbose_name=_("ticket"))
    id_ent = models.CharField(_("identifiant ENT (id_ent)"), max_length=80, blank=True)
    id_externe = models.CharField(_("identifiant externe (id_externe)"), max_length=80, blank=True)
    statut_externe = models.CharField(_("statut externe"), max_length=80, blank=True)
    # External comment id → our Comment pk, so an echoed comment is never added twice.
    comment_ids = models.JSONField(_("commentaires importés"), default=dict, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("mis à jour le"), default=timezone.now)

    class Meta:
        verbose_name = _("lien support-pivot")
        verbose_name_plural = _("liens support-pivot")
        constraints = [
            models.UniqueConstraint(fields=["client", "ticket"], name="pivot_link_one_per_ticket"),
            models.UniqueConstraint(fields=["client", "id_ent"], condition=~Q(id_ent=""), name="pivot_link_id_ent_unique"),
            models.UniqueConstraint(fields=["client", "id_externe"], condition=~Q(id_externe=""), name="pivot_link_id_externe_unique"),
        ]

    def __str__(self):
        return f"{self.client} ↔ {self.ticket_id} ({self.id_ent or self.id_externe})"
