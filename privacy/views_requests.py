"""Data-subject request pages: list, intake form, the request page with its clocks and steps.

Thin: the services (privacy/requests.py) decide; each view journals its own access."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.forms import add_service_errors
from directory.models import School
from journal.models import Action, ObjectType, Outcome
from journal.services import record

from . import requests as dsr
from .forms import RequestForm, StepForm
from .models import StepKind


def _journal(request, action, obj=None, **kwargs):
    record(request, action, obj, object_type=ObjectType.OTHER, **kwargs)
    request._journal_recorded = True


def _may_record(request):
    if not dsr.may_record(request.user):
        _journal(request, Action.DENIED, outcome=Outcome.DENIED, object_label="demandes de droits", status_code=403)
        raise PermissionDenied


def _intake_form(request, data=None):
    conventions = dsr.conventions_for(request.user).order_by("reference")
    schools = School.objects.filter(coverage__convention__in=conventions).distinct().order_by("name")
    if not request.user.is_superuser:
        schools = schools.filter(pk__in=dsr._schools(request.user).values("pk"))
    initial = {"received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    return RequestForm(data, conventions=conventions, schools=schools, initial=initial)


@login_required
def request_list(request):
    _may_record(request)
    rows = list(dsr.visible_requests(request.user).order_by("-received_at", "-pk")[:200])
    _journal(request, Action.VIEW, object_label="demandes de droits", detail={"rows": len(rows)})
    return render(request, "privacy/request_list.html", {"rows": rows})


@login_required
def request_new(request):
    _may_record(request)
    form = _intake_form(request, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                req = dsr.record_request(actor=request.user, **data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                _journal(request, Action.CHANGE, req)
                messages.success(request, _("Demande enregistrée ; ses délais courent depuis sa réception."))
                return redirect("privacy:request", pk=req.pk)
        return render(request, "privacy/request_form.html", {"form": form}, status=400)
    return render(request, "privacy/request_form.html", {"form": form})


def _request_or_404(request, pk):
    req = dsr.visible_requests(request.user).filter(pk=pk).first()
    if req is None:
        _journal(request, Action.DENIED, outcome=Outcome.DENIED, object_id=str(pk), object_label="demande de droits", status_code=404)
        raise Http404(_("Demande introuvable ou hors de votre périmètre."))
    return req


def _page(request, req, step_form=None, status=200):
    steps = list(req.steps.select_related("by").order_by("at", "pk"))
    kinds = dsr.available_steps(req)
    if step_form is None and kinds:
        step_form = StepForm(kinds=kinds, initial={"at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "kind": kinds[0]})
    clocks = [(label, c) for label, c in ((_("Transmission au responsable compétent"), req.forward_clock),
                                           (_("Réponse (un mois)"), req.answer_clock),
                                           (_("Réponse prolongée (trois mois)"), req.extended_clock)) if c is not None]
    return render(request, "privacy/request_detail.html", {
        "req": req, "steps": steps, "step_form": step_form if kinds else None, "clocks": clocks, "now": timezone.now(),
    }, status=status)


@login_required
def request_detail(request, pk):
    req = _request_or_404(request, pk)
    _journal(request, Action.VIEW, req)
    return _page(request, req)


@login_required
def request_step(request, pk):
    req = _request_or_404(request, pk)
    if request.method != "POST":
        return redirect("privacy:request", pk=req.pk)
    _journal(request, Action.CHANGE, req)
    form = StepForm(request.POST, kinds=dsr.available_steps(req) or list(StepKind.values))
    if form.is_valid():
        try:
            dsr.record_step(req, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Étape enregistrée."))
            return redirect("privacy:request", pk=req.pk)
    return _page(request, req, step_form=form, status=400)
