"""The public status page ("État des services", /etat/, no sign-in), its Atom feed and its JSON, and
"Je suis concerné·e" on an outage from the report form. Reads: `sla.status`; the write:
`pilotage.services.join_outage`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.params import BadParameter, id_param
from pilotage import services as pilotage_services
from sla import status
from sla.models import Outage
from tickets import opening

PUBLIC_MAX_AGE = 60  # seconds: the page, feed and JSON may be cached by browsers and proxies


def _public(response):
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


def _availability_rows(services):
    """This month's figures as the dashboard writes them (rounded down, French format)."""
    from core.formats import availability_percent, target

    rows = []
    for s in services:
        a = s.availability
        if a is None:
            continue
        rows.append({"name": s.name, "partial": a.partial, "windows": [
            {"value": availability_percent(w.availability), "target": target(w.target), "met": w.met}
            for w in (a.inside, a.outside)]})
    return rows


def _history_strips(services) -> dict[str, str]:
    """service slug → its 90 days as <li> items, built here rather than in the template: one date
    format per day for all services (escaped by format_html_join), not two per day and service."""
    days = {d.day for s in services for d in s.history}
    said = {day: date_format(day, "DATE_FORMAT") for day in days}
    labels = {}
    return {s.slug: format_html_join("", '<li class="status-day--{}" title="{} : {}"><span class="visually-hidden">{} : {}</span></li>', (
        (d.status, said[d.day], labels.setdefault(d.status, d.label), said[d.day], labels[d.status]) for d in s.history))
        for s in services}


@require_GET
def status_page(request):
    now = timezone.now()
    services = status.service_statuses(now=now)
    strips = _history_strips(services)
    return _public(render(request, "web/status.html", {
        "history_rows": [{"service": s, "strip": strips[s.slug]} for s in services],
        "services": services, "groups": status.current_by_academie(services), "now": now,
        "history_days": status.HISTORY_DAYS, "availability_rows": _availability_rows(services),
    }))


@require_GET
def status_json(request):
    now = timezone.now()
    services = status.service_statuses(now=now)
    body = {
        "generated_at": now.isoformat(), "history_days": status.HISTORY_DAYS,
        "services": [s.as_dict() for s in services],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return _public(response)


def _when(d):
    return date_format(d, "DATETIME_FORMAT") if d else ""


class StatusFeed(Feed):
    """Atom: one entry per outage or maintenance announcement (public shape only)."""

    feed_type = Atom1Feed
    title = gettext_lazy("État des services — interruptions et maintenances")
    subtitle = gettext_lazy("Incidents et maintenances planifiées des services de l'ENT (90 derniers jours et à venir).")

    def __call__(self, request, *args, **kwargs):
        return _public(super().__call__(request, *args, **kwargs))

    def link(self):
        return reverse("web:status")

    def items(self):
        return status.feed_outages()

    def item_title(self, item):
        return f"{item.kind_label} — {item.service_name} ({item.scope_label}) : {item.state_label.lower()}"

    def item_description(self, item):
        parts = [_("Service : %(s)s.") % {"s": item.service_name}, _("Concerne : %(w)s.") % {"w": item.scope_label},
                 _("Début : %(d)s.") % {"d": _when(item.started_at)}]
        if item.ended_at:
            parts.append((_("Fin prévue : %(d)s.") if item.state != "ended" else _("Fin : %(d)s.")) % {"d": _when(item.ended_at)})
        if item.announced_at and item.kind == "maintenance":
            parts.append(_("Annoncée le %(d)s.") % {"d": _when(item.announced_at)})
        return " ".join(parts)

    def item_link(self, item):
        return f"{reverse('web:status')}#interruption-{item.id}"

    def item_guid(self, item):
        return f"{reverse('web:status')}#interruption-{item.id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.announced_at if item.kind == "maintenance" and item.announced_at else item.started_at

    def item_updateddate(self, item):
        return item.updated_at


status_feed = require_GET(StatusFeed())


@login_required
@require_POST
def join(request, pk):
    """"Je suis concerné·e": the person follows the outage (its major incident) instead of opening a
    ticket; told when it ends. Only an outage in progress touching one of their schools (404)."""
    outage = Outage.objects.select_related("service").filter(pk=pk).first()
    if outage is None:
        raise Http404(_("Interruption introuvable."))
    try:
        school_id = id_param(request.POST, "school")
    except BadParameter as exc:
        return render(request, "web/status_join_error.html", {"message": str(exc)}, status=400)
    schools = opening.openable_schools(request.user)
    school = schools.filter(pk=school_id).first() if school_id else None
    if school is None:
        # Without a school chosen: the first of theirs that the outage touches.
        school = next((s for s in schools[:50] if status.touches(outage, s)), None)
    if school is None or not status.touches(outage, school):
        raise Http404(_("Interruption introuvable pour vos écoles."))
    try:
        follower, created = pilotage_services.join_outage(request.user, outage, school)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("web:report")
    if created:
        messages.success(request, _("C'est noté : vous suivez l'interruption « %(service)s » et serez prévenu·e de sa fin. "
                                    "Aucune nouvelle demande n'a été créée.") % {"service": outage.service.name})
    else:
        messages.info(request, _("Vous suiviez déjà l'interruption « %(service)s ».") % {"service": outage.service.name})
    return redirect("home")


# --- the report form's outage notice -------------------------------------------------------------

def outage_notice(user, school_id, schools) -> dict:
    """Context of `web/_outage_notice.html`: the outages in progress touching the chosen school (or
    the form's first school, the one its list shows), and those the person already follows."""
    from pilotage.followers import followed_outages

    try:
        school_id = int(school_id) if school_id else None
    except (TypeError, ValueError):
        school_id = None
    school = schools.filter(pk=school_id).first() if school_id else schools.first()
    if school is None:
        return {"outage_notice": [], "notice_school": None, "followed_outage_ids": set()}
    items = list(status.outages_touching(school))
    shaped = status.public_outages(items, timezone.now())
    followed = set(followed_outages(user).filter(outage_id__in=[o.pk for o in items]).values_list("outage_id", flat=True))
    return {"outage_notice": list(zip(items, shaped)), "notice_school": school, "followed_outage_ids": followed}
