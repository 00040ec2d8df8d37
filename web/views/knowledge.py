"""Self-help pages: the knowledge base (/aide/), its editor for agents, the agents' search over
tickets (/recherche/), and the report form's suggestions (JSON) with "Ça m'a aidé" and
"Je suis aussi concerné·e". The rules live in knowledge.services, knowledge.selectors,
knowledge.search and knowledge.suggest; views only shape input and output."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.forms import add_service_errors
from core.params import BadParameter, id_param
from directory.models import EntProduct
from directory.selectors import organisation_labels, perimeter_for
from directory.choices import Role
from knowledge import search, selectors, services, suggest
from knowledge.models import Article, Audience, Status
from sla.models import Service
from tickets import opening
from tickets import selectors as ticket_selectors
from tickets.markdown import render_markdown
from tickets.models import Ticket

MAX_QUERY = 200


def _query(request) -> str:
    return " ".join((request.GET.get("q") or "").split())[:MAX_QUERY]


@login_required
@require_GET
def home(request):
    q = _query(request)
    hits = search.search_articles(request.user, q) if q else []
    return render(request, "web/kb_home.html", {
        "q": q, "hits": hits, "articles": [] if q else selectors.published_home(request.user),
        "may_write": selectors.may_write(request.user),
        "to_work_on": selectors.to_work_on(request.user) if selectors.may_write(request.user) else [],
    })


@login_required
@require_GET
def article(request, slug):
    try:
        item = selectors.article_for(request.user, slug)
    except Article.DoesNotExist:
        raise Http404(_("Article introuvable.")) from None
    editable = selectors.editable_articles(request.user).filter(pk=item.pk).exists()
    labels = organisation_labels([item.owner_organisation])
    return render(request, "web/kb_article.html", {
        "article": item, "body_html": render_markdown(item.body), "editable": editable,
        "owner_label": labels.get(item.owner_organisation, ""),
    })


class ArticleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titre"), max_length=200)
    summary = forms.CharField(label=gettext_lazy("Résumé"), max_length=300, required=False,
                              help_text=gettext_lazy("Une phrase affichée dans les résultats de recherche."))
    body = forms.CharField(label=gettext_lazy("Contenu"), widget=forms.Textarea(attrs={"rows": 14}),
                           help_text=gettext_lazy("Markdown : titres (##), listes (-), **gras**, liens. Le HTML est retiré."))
    audience = forms.ChoiceField(label=gettext_lazy("Public visé"), choices=Audience.choices)
    product = forms.ModelChoiceField(label=gettext_lazy("Solution ENT"), queryset=EntProduct.objects.all(), required=False,
                                     empty_label=gettext_lazy("Toutes"))
    service = forms.ModelChoiceField(label=gettext_lazy("Service"), queryset=Service.objects.all(), required=False,
                                     empty_label=gettext_lazy("Tous"))
    review_on = forms.DateField(label=gettext_lazy("À revoir le"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}), help_text=gettext_lazy("Format : jj/mm/aaaa."))
    organisation = forms.ChoiceField(label=gettext_lazy("Organisation propriétaire"), required=False)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = organisation_labels(organisations)
        self.fields["organisation"].choices = [(k, labels.get(k, k)) for k in organisations]
        for name, field in self.fields.items():
            css = "fr-select" if isinstance(field.widget, forms.Select) else "fr-input"
            field.widget.attrs.setdefault("class", css)


def _writer(request):
    if not selectors.may_write(request.user):
        raise PermissionDenied(_("Les articles sont écrits par les agents d'une académie, d'une collectivité ou d'un éditeur."))


@login_required
def article_new(request):
    _writer(request)
    orgs = selectors.writer_organisations(request.user)
    form = ArticleForm(request.POST or None, organisations=orgs)
    if not orgs:
        del form.fields["organisation"]
    if request.method == "POST" and form.is_valid():
        try:
            item = services.create_article(actor=request.user, **{k: v for k, v in form.cleaned_data.items() if v is not None})
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Brouillon « %(title)s » enregistré.") % {"title": item.title})
            return redirect("web:kb_edit", slug=item.slug)
    return render(request, "web/kb_edit.html", {"form": form, "article": None})


@login_required
def article_edit(request, slug):
    _writer(request)
    item = get_object_or_404(selectors.editable_articles(request.user), slug=slug)
    initial = {k: getattr(item, k) for k in services.EDITABLE_FIELDS}
    form = ArticleForm(request.POST or None, initial=initial, organisations=[])
    del form.fields["organisation"]
    if request.method == "POST" and form.is_valid():
        try:
            item = services.update_article(item, actor=request.user, expected_version=request.POST.get("version"),
                                           **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Article enregistré."))
            return redirect("web:kb_edit", slug=item.slug)
    return render(request, "web/kb_edit.html", {"form": form, "article": item, "preview": render_markdown(item.body)})


STATUS_ACTIONS = {"relire": services.submit_for_review, "publier": services.publish, "retirer": services.unpublish}


@login_required
@require_POST
def article_status(request, slug, action):
    _writer(request)
    item = get_object_or_404(selectors.editable_articles(request.user), slug=slug)
    if action not in STATUS_ACTIONS:
        raise Http404(_("Action inconnue."))
    try:
        item = STATUS_ACTIONS[action](item, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Article « %(title)s » : %(status)s.") % {"title": item.title, "status": item.get_status_display()})
    return redirect("web:kb_edit", slug=item.slug)


@login_required
@require_POST
def article_from_ticket(request, reference):
    ticket = ticket_selectors.visible_ticket(request.user, reference)
    if ticket is None:
        raise Http404(_("Demande introuvable."))
    try:
        item = services.draft_from_resolution(ticket, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("web:ticket", reference=reference)
    messages.success(request, _("Brouillon d'article créé à partir de la résolution de %(ref)s : relisez-le (il peut "
                                "nommer des personnes) avant de le publier.") % {"ref": reference})
    return redirect("web:kb_edit", slug=item.slug)


@login_required
@require_GET
def ticket_search(request):
    p = perimeter_for(request.user)
    if not p.has_role(Role.AGENT, Role.MANAGER, Role.DPO):
        raise PermissionDenied(_("La recherche dans les demandes est réservée aux agents."))
    q = _query(request)
    return render(request, "web/kb_search.html", {
        "q": q, "hits": search.search_tickets(request.user, q) if q else [],
        "articles": search.search_articles(request.user, q, limit=5) if q else [],
    })


# --- the report form -------------------------------------------------------------------------------

def _school(request, source):
    school_id = id_param(source, "school")
    if not school_id:
        return None
    return opening.openable_schools(request.user).filter(pk=school_id).first()


@login_required
@require_GET
def suggestions(request):
    """JSON for the report form: matching published articles and similar open tickets."""
    q = _query(request)
    school = _school(request, request.GET)
    service = (request.GET.get("service") or "").strip()[:120]
    if len(q) < 3:
        return JsonResponse({"articles": [], "tickets": []})
    articles, offers = suggest.suggestions(request.user, q, school_id=getattr(school, "pk", None), service=service)
    return JsonResponse({
        "articles": [{"id": a.pk, "title": a.title, "title_html": html, "summary": a.summary,
                      "url": reverse("web:kb_article", args=[a.slug])} for a, html in articles],
        "tickets": [{"reference": o.ticket.reference, "title": o.ticket.title, "title_html": o.title_html,
                     "state": o.ticket.get_state_display(), "same_school": o.ticket.school_id == getattr(school, "pk", None),
                     "url": reverse("web:ticket", args=[o.ticket.reference]) if o.readable else "",
                     "own": o.ticket.requester_id == request.user.pk, "concerned": o.concerned,
                     "join_url": reverse("web:kb_join", args=[o.ticket.reference])} for o in offers],
    })


@login_required
@require_POST
def helped(request):
    """"Ça m'a aidé": counted, and the person leaves without a ticket."""
    article_id = id_param(request.POST, "article")
    item = selectors.readable_articles(request.user).filter(pk=article_id, status=Status.PUBLISHED).first() if article_id else None
    if item is None:
        raise BadParameter("article", _("article introuvable ou non publié."))
    services.record_deflection(user=request.user, article=item, school=_school(request, request.POST),
                               query=(request.POST.get("q") or "")[:200])
    messages.success(request, _("Tant mieux ! Aucune demande n'a été créée. Merci de nous l'avoir dit."))
    return redirect("web:kb_article", slug=item.slug)


@login_required
@require_POST
def join(request, reference):
    """"Je suis aussi concerné·e": joins the existing ticket instead of opening a duplicate."""
    ticket = suggest.offered_tickets(request.user).filter(reference=reference).first()
    if ticket is None:
        raise Http404(_("Demande introuvable pour vos écoles."))
    try:
        _row, created = services.join_ticket(user=request.user, ticket=ticket, school=_school(request, request.POST))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("web:report")
    if created:
        messages.success(request, _("Vous êtes associé·e à la demande %(ref)s « %(title)s » : vous serez prévenu·e de sa "
                                    "résolution. Aucune nouvelle demande n'a été créée.") % {"ref": ticket.reference, "title": ticket.title})
    else:
        messages.info(request, _("Vous étiez déjà associé·e à la demande %(ref)s.") % {"ref": ticket.reference})
    if ticket_selectors.visible_ticket(request.user, reference) is not None:
        return redirect("web:ticket", reference=reference)
    return redirect("home")
