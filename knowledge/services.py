"""Writes of the knowledge base: one atomic function per user action, each writing its audit line
(`ArticleEvent`). Refusals: `PermissionDenied` (who), Django's `ValidationError` keyed by field."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tickets import access
from tickets.models import OPEN_STATES, State

from . import selectors
from .models import Article, ArticleEvent, Audience, Concerned, Deflection, SearchEntry, Status
from .search import write_entry

EDITABLE_FIELDS = ("title", "summary", "body", "audience", "product", "service", "review_on")


def _unique_slug(title: str) -> str:
    base = (slugify(title) or "article")[:100]
    slug, n = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _clean(data: dict) -> dict:
    errors = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = _("Le titre est obligatoire.")
    elif len(title) > 200:
        errors["title"] = _("Le titre ne dépasse pas 200 caractères.")
    if not (data.get("body") or "").strip():
        errors["body"] = _("Le contenu est obligatoire.")
    if data.get("audience", Audience.TEACHER) not in Audience.values:
        errors["audience"] = _("Public inconnu : enseignant, directeur ou agent.")
    if errors:
        raise ValidationError(errors)
    return {**data, "title": title}


def _check_owner(user, article: Article) -> None:
    if not selectors.editable_articles(user).filter(pk=article.pk).exists():
        raise PermissionDenied(_("Seuls les agents de l'organisation propriétaire modifient cet article."))


def _index(article: Article) -> None:
    entry, _created = SearchEntry.objects.update_or_create(
        article=article, defaults={"title": article.title, "body": f"{article.summary}\n{article.body}"})
    write_entry(entry)


def _event(article, actor, kind, **payload):
    ArticleEvent.objects.create(article=article, actor=actor, kind=kind, payload=payload)


@transaction.atomic
def create_article(*, actor, organisation: str = "", source_ticket=None, **data) -> Article:
    orgs = selectors.writer_organisations(actor)
    if not orgs and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Les articles sont écrits par les agents d'une académie, d'une collectivité ou d'un éditeur."))
    organisation = organisation or (orgs[0] if orgs else "")
    if orgs and organisation not in orgs:
        raise ValidationError({"organisation": _("Vous n'écrivez pas pour cette organisation.")})
    if not organisation:
        raise ValidationError({"organisation": _("Choisissez l'organisation propriétaire de l'article.")})
    data = _clean(data)
    fields = {k: data[k] for k in EDITABLE_FIELDS if k in data}
    article = Article.objects.create(slug=_unique_slug(data["title"]), owner_organisation=organisation, author=actor,
                                     source_ticket=source_ticket, status=Status.DRAFT, **fields)
    _event(article, actor, "created", source_ticket=getattr(source_ticket, "reference", ""))
    _index(article)
    return article


@transaction.atomic
def update_article(article: Article, *, actor, expected_version=None, **data) -> Article:
    article = Article.objects.select_for_update().get(pk=article.pk)
    _check_owner(actor, article)
    if expected_version is not None and int(expected_version) != article.version:
        raise ValidationError({"version": _("L'article a été modifié entre-temps : rechargez-le avant de recommencer.")})
    data = _clean({**{k: getattr(article, k) for k in EDITABLE_FIELDS}, **data})
    changed = [k for k in EDITABLE_FIELDS if k in data and getattr(article, k) != data[k]]
    for k in changed:
        setattr(article, k, data[k])
    article.version += 1
    article.updated_at = timezone.now()
    article.save()
    _event(article, actor, "edited", fields=changed)
    _index(article)
    return article


def _move(article, actor, target, kind, allowed_from):
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        _check_owner(actor, article)
        if article.status not in allowed_from:
            raise ValidationError({"status": _("Cet article est « %(status)s » : action impossible.")
                                   % {"status": article.get_status_display()}})
        article.status = target
        article.updated_at = timezone.now()
        if target == Status.PUBLISHED:
            article.published_at = article.updated_at
        article.version += 1
        article.save()
        _event(article, actor, kind)
        return article


def submit_for_review(article, *, actor):
    return _move(article, actor, Status.REVIEW, "submitted", (Status.DRAFT,))


def publish(article, *, actor):
    return _move(article, actor, Status.PUBLISHED, "published", (Status.DRAFT, Status.REVIEW))


def unpublish(article, *, actor):
    return _move(article, actor, Status.DRAFT, "unpublished", (Status.PUBLISHED, Status.REVIEW))


def draft_from_resolution(ticket, user) -> Article:
    """A draft article from a resolved ticket's resolution (the agent reviews it before publishing:
    it may name people; the draft stays within the agent's organisation until then)."""
    if not access.can_see_internal(user, ticket):
        raise PermissionDenied(_("Seuls les agents qui traitent cette demande peuvent en tirer un article."))
    if ticket.state not in (State.RESOLVED, State.CLOSED):
        raise ValidationError({"ticket": _("La demande %(ref)s n'est pas résolue.") % {"ref": ticket.reference}})
    if not ticket.resolution_summary.strip():
        raise ValidationError({"ticket": _("La demande %(ref)s n'a pas de résumé de résolution.") % {"ref": ticket.reference}})
    body = "\n\n".join([
        "## " + _("Le problème"), ticket.description.strip(),
        "## " + _("La solution"), ticket.resolution_summary.strip(),
    ])
    from sla.models import Service

    service = Service.objects.filter(name__iexact=ticket.service).first() if ticket.service else None
    return create_article(actor=user, title=ticket.title, body=body, audience=Audience.TEACHER, service=service,
                          source_ticket=ticket)


# --- the report form: deflection and "Je suis aussi concerné·e" ----------------------------------

@transaction.atomic
def record_deflection(*, user, article: Article, school=None, query: str = "") -> Deflection:
    """"Ça m'a aidé": the person leaves without a ticket; counted per school and article."""
    if not selectors.readable_articles(user).filter(pk=article.pk, status=Status.PUBLISHED).exists():
        raise ValidationError({"article": _("Article introuvable.")})
    if school is not None:
        from tickets import opening

        if not opening.openable_schools(user).filter(pk=school.pk).exists():
            raise ValidationError({"school": _("Vous ne signalez pas de problème pour cette école.")})
    return Deflection.objects.create(user=user, article=article, school=school, query=(query or "")[:200])


@transaction.atomic
def join_ticket(*, user, ticket, school=None) -> tuple[Concerned, bool]:
    """"Je suis aussi concerné·e": `user` joins an open ticket they were offered on the report form
    (knowledge.suggest says which) instead of opening a duplicate; told when it is resolved."""
    from .suggest import offered_tickets

    if ticket.state not in OPEN_STATES:
        raise ValidationError({"ticket": _("La demande %(ref)s n'est plus ouverte.") % {"ref": ticket.reference}})
    if not offered_tickets(user).filter(pk=ticket.pk).exists():
        raise ValidationError({"ticket": _("Demande %(ref)s introuvable pour vos écoles.") % {"ref": ticket.reference}})
    if ticket.requester_id == user.pk:
        raise ValidationError({"ticket": _("C'est votre propre demande.")})
    row, created = Concerned.objects.get_or_create(ticket=ticket, user=user, defaults={"school": school or ticket.school})
    return row, created
