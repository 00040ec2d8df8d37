"""Outages: everyone with an agent or manager role sees them; who may declare and close them, and
what that does (webhooks included), is `sla.outages` — this page only shows the form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from directory.choices import Role
from directory.models import Academie, Collectivite, School
from directory.selectors import perimeter_for
from sla import outages as sla_outages
from sla.models import OutageScope, Service
from sla.selectors import visible_outages

from ..forms import OutageForm


def may_declare(user) -> bool:
    return sla_outages.may_declare_outage(user)


def _form(user, data=None):
    p = perimeter_for(user)
    form = OutageForm(data, initial={"started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    form.fields["service"].queryset = Service.objects.order_by("name")
    offered = set(sla_outages.declarable_scopes(user))
    form.fields["scope"].choices = [c for c in OutageScope.choices if c[0] in offered]
    form.fields["academie"].queryset = (
        Academie.objects.all() if p.everything else Academie.objects.filter(pk__in=p.schools().values("academie_id"))
    )
    form.fields["collectivite"].queryset = (
        Collectivite.objects.all() if p.everything else Collectivite.objects.filter(pk__in=p.schools().values("collectivite_id"))
    )
    form.fields["schools"].queryset = School.objects.filter(p.schools_q()).order_by("name")
    return form


@login_required
def outages(request):
    p = perimeter_for(request.user)
    if not (p.everything or p.has_role(Role.AGENT, Role.MANAGER)):
        raise PermissionDenied
    declare = may_declare(request.user)
    form = _form(request.user, request.POST or None) if declare else None
    if request.method == "POST":
        if not declare:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                sla_outages.declare_outage(
                    data["service"], scope=data["scope"], academie=data["academie"], collectivite=data["collectivite"],
                    schools=list(data["schools"]), started_at=data["started_at"], ended_at=data["ended_at"],
                    planned=data["planned"], cause=data["cause"], actor=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Maintenance annoncée : elle s'affiche aux écoles concernées et sur la page d'état des services.")
                                 if data["planned"] else
                                 _("Interruption déclarée : elle compte dans la disponibilité et s'affiche aux écoles concernées."))
                return redirect("web:outages")
    qs = visible_outages(request.user)
    now = timezone.now()
    running = Q(started_at__lte=now) & (Q(ended_at__isnull=True) | Q(ended_at__gt=now))
    current = list(qs.filter(running).order_by("-started_at"))
    upcoming = list(qs.filter(started_at__gt=now).order_by("started_at"))
    past = list(qs.filter(ended_at__lte=now).order_by("-started_at")[:30])
    return render(request, "web/outages.html", {"current": current, "upcoming": upcoming, "past": past, "form": form,
                                                "may_declare": declare})


@login_required
@require_POST
def close(request, pk):
    if not may_declare(request.user):
        raise PermissionDenied
    outage = get_object_or_404(visible_outages(request.user), pk=pk, ended_at__isnull=True)
    try:
        sla_outages.close_outage(outage, ended_at=timezone.now(), actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Interruption close."))
    return redirect("web:outages")
