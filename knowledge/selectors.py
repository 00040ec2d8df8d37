"""Reads of the knowledge base, scoped to the reader:
- a published article is read by its audience: teachers' articles by everyone signed in,
  directors' articles by school contacts (directors, ENT correspondents) and the support side,
  agents' articles by the support side (agents, managers, DPOs, observers, administrators);
- drafts and articles to review are read (and edited) by the agents of the owner organisation.
Writers are the agents of an académie (or one of its circonscriptions), a région académique, a
collectivité or a vendor: `writer_organisation(user)` is the organisation they write for."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from directory.choices import Role
from directory.selectors import organisation_keys, perimeter_for

from .models import Article, Audience, Status

WRITER_SCOPES = ("circonscription", "academie", "region", "collectivite", "vendor")


def writer_organisations(user) -> list[str]:
    """The organisation keys `user` writes articles for (their agent grants above the school)."""
    p = perimeter_for(user)
    grants = [g for g in p.grants if g.role == Role.AGENT and g.scope in WRITER_SCOPES]
    return [k for k in dict.fromkeys(organisation_keys(grants)) if k]


def may_write(user) -> bool:
    p = perimeter_for(user)
    return p.everything or bool(writer_organisations(user))


def audiences_for(user) -> list[str]:
    p = perimeter_for(user)
    if p.everything or p.has_role(Role.AGENT, Role.MANAGER, Role.DPO, Role.OBSERVER):
        return list(Audience.values)
    if any(g.is_school_contact for g in p.grants):
        return [Audience.TEACHER, Audience.DIRECTOR]
    return [Audience.TEACHER]


def readable_articles(user) -> QuerySet[Article]:
    if user is None or not user.is_authenticated:
        return Article.objects.none()
    p = perimeter_for(user)
    base = Article.objects.select_related("product", "service")
    if p.everything:
        return base
    q = Q(status=Status.PUBLISHED, audience__in=audiences_for(user))
    if orgs := writer_organisations(user):
        q |= Q(owner_organisation__in=orgs)
    return base.filter(q)


def editable_articles(user) -> QuerySet[Article]:
    p = perimeter_for(user)
    if p.everything:
        return Article.objects.all()
    return Article.objects.filter(owner_organisation__in=writer_organisations(user))


def article_for(user, slug: str) -> Article:
    """One readable article (Article.DoesNotExist → 404 otherwise)."""
    return readable_articles(user).get(slug=slug)


def published_home(user, limit=20):
    return list(readable_articles(user).filter(status=Status.PUBLISHED).order_by("-published_at", "title")[:limit])


def to_work_on(user):
    """The drafts and articles to review of the user's organisations (the editor's list)."""
    return list(editable_articles(user).exclude(status=Status.PUBLISHED).order_by("-updated_at")[:50])


def deflection_counts(user=None):
    """Deflections per article (most first): what the managers' figures read."""
    from django.db.models import Count

    from .models import Deflection

    return list(Deflection.objects.values("article__title").annotate(n=Count("pk")).order_by("-n")[:20])
