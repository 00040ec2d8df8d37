"""Incoming mail: a desk's mailbox (its address, how it is read) and every message it received,
with what became of it (a ticket, a reply on a ticket, held for an agent, refused, ignored) and why,
in French. `MailEvent` is the append-only register of what was done with a message (reception,
acceptance, refusal by an agent)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.choices import Category

DEFAULT_MAX_BYTES = 25 * 1024 * 1024


class UnknownSender(models.TextChoices):
    HOLD = "hold", _("Retenir le message pour qu'un agent l'accepte ou le refuse")
    REFUSE = "refuse", _("Refuser le message et répondre à l'expéditeur")


class DeskMailbox(models.Model):
    """A desk's address. Without an IMAP server it only receives through the LMTP receiver (or
    nothing): `make run` polls no mailbox. The IMAP password is read from the environment variable
    named here, never stored."""

    desk = models.OneToOneField("directory.Desk", on_delete=models.CASCADE, related_name="mailbox", verbose_name=_("guichet"))
    address = models.EmailField(_("adresse du guichet"), unique=True,
                                help_text=_("Les réponses arrivent à adresse+jeton@domaine (même boîte)."))
    active = models.BooleanField(_("active"), default=True)
    imap_host = models.CharField(_("serveur IMAP"), max_length=200, blank=True,
                                 help_text=_("Vide : la boîte n'est pas relevée par IMAP."))
    imap_port = models.PositiveIntegerField(_("port IMAP"), default=993)
    imap_ssl = models.BooleanField(_("IMAP chiffré (TLS)"), default=True)
    imap_user = models.CharField(_("identifiant IMAP"), max_length=200, blank=True)
    imap_password_env = models.CharField(
        _("variable d'environnement du mot de passe IMAP"), max_length=100, blank=True,
        help_text=_("Le NOM de la variable (ex. HELPDESK_IMAP_PASSWORD_ERUN), jamais le mot de passe."))
    imap_folder = models.CharField(_("dossier IMAP"), max_length=200, default="INBOX")
    unknown_sender = models.CharField(_("expéditeur inconnu de l'annuaire"), max_length=8,
                                      choices=UnknownSender.choices, default=UnknownSender.HOLD)
    category = models.CharField(_("catégorie des demandes ouvertes par courriel"), max_length=32,
                                choices=Category.choices, default=Category.USAGE)
    max_bytes = models.PositiveIntegerField(_("taille maximale d'un message (octets)"), default=DEFAULT_MAX_BYTES)
    last_polled_at = models.DateTimeField(_("dernière relève"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur de relève"), blank=True)

    class Meta:
        verbose_name = _("boîte de courriel d'un guichet")
        verbose_name_plural = _("boîtes de courriel des guichets")

    def __str__(self):
        return f"{self.address} ({self.desk.name})"


class Status(models.TextChoices):
    OPENED = "opened", _("Demande ouverte")
    REPLY = "reply", _("Ajouté à sa demande")
    HELD = "held", _("Retenu pour un agent")
    ACCEPTED = "accepted", _("Accepté par un agent")
    REJECTED = "rejected", _("Refusé")
    IGNORED = "ignored", _("Ignoré (réponse automatique, non-remise)")


class Kind(models.TextChoices):
    NEW = "new", _("Nouvelle demande")
    REPLY = "reply", _("Réponse")
    AUTO = "auto", _("Réponse automatique")
    BOUNCE = "bounce", _("Avis de non-remise")
    BAD = "bad", _("Illisible")


class InboundMessage(models.Model):
    mailbox = models.ForeignKey(DeskMailbox, on_delete=models.CASCADE, related_name="messages", verbose_name=_("boîte"))
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    sender = models.CharField(_("expéditeur"), max_length=254, blank=True)
    sender_name = models.CharField(_("nom de l'expéditeur"), max_length=200, blank=True)
    subject = models.CharField(_("objet"), max_length=250, blank=True)
    kind = models.CharField(_("nature"), max_length=8, choices=Kind.choices)
    status = models.CharField(_("suite donnée"), max_length=8, choices=Status.choices, db_index=True)
    reason = models.TextField(_("motif"), blank=True)
    text = models.TextField(_("texte retenu"), blank=True)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)
    raw = models.BinaryField(_("message brut"), blank=True)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("demande"))
    sender_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("expéditeur reconnu"))
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("traité par"))
    handled_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    class Meta:
        verbose_name = _("courriel reçu")
        verbose_name_plural = _("courriels reçus")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["mailbox", "status"])]

    def __str__(self):
        return f"{self.sender} — {self.subject}"


class MailEvent(models.Model):
    class What(models.TextChoices):
        RECEIVED = "received", _("Reçu")
        ACCEPTED = "accepted", _("Accepté")
        REJECTED = "rejected", _("Refusé")

    message = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="events", verbose_name=_("courriel"))
    what = models.CharField(_("action"), max_length=8, choices=What.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("auteur"))
    at = models.DateTimeField(_("le"), auto_now_add=True)
    detail = models.JSONField(_("détail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("événement de courriel")
        verbose_name_plural = _("événements de courriel")
        ordering = ["at", "pk"]
