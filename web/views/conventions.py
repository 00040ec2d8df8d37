"""The conventions page: for académie and collectivité agents and managers, the conventions of their
perimeter (directory.selectors.conventions_for), their state today, parties, terms, next deadlines,
versions, enrolled schools per school year, fee statements (CSV, PDF) and the import of an avenant's
annex of UAIs (directory.annex). Rules live in directory/; these views bind forms and call them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.forms import add_service_errors
from core.params import BadParameter
from directory import enrolment, fees, lifecycle
from directory.annex import AnnexRejected, decode, import_annex
from directory.selectors import conventions_for, may_read_conventions
from directory.services import may_record_school_lists
from journal.middleware import register as journal_route
from journal.models import ObjectType
from journal.services import record_bulk_read


def convention_by_pk(kwargs):
    return ObjectType.OTHER, str(kwargs.get("pk", "")), _("convention"), None


for _name in ("web:convention_detail", "web:convention_import", "web:convention_fees_csv", "web:convention_fees_pdf"):
    journal_route(_name, convention_by_pk)

_INPUT = {"class": "fr-input"}


def euros(amount) -> str:
    return f"{number_format(amount, decimal_pos=2, force_grouping=True)}\u00a0€"


class AnnexForm(forms.Form):
    school_year = forms.CharField(label=_lazy("Année scolaire de la liste"), max_length=9,
                                  help_text=_lazy("Par exemple 2021-2022."), widget=forms.TextInput(attrs=_INPUT))
    sent_on = forms.DateField(label=_lazy("Avenant transmis à l'académie le"),
                              help_text=_lazy("Entre le 1er septembre et le 15 octobre pour prendre effet cette année scolaire."),
                              widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", **_INPUT}))
    summary = forms.CharField(label=_lazy("Objet de l'avenant"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2, **_INPUT}))
    annex = forms.FileField(label=_lazy("Annexe : liste des écoles inscrites"), required=False,
                            help_text=_lazy("CSV ou texte, un UAI par ligne, éventuellement suivi du nom de l'école."))
    annex_text = forms.CharField(label=_lazy("ou collez la liste"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 6, **_INPUT}))

    def clean(self):
        data = super().clean()
        if not data.get("annex") and not (data.get("annex_text") or "").strip():
            self.add_error("annex", _("Joignez l'annexe ou collez la liste des UAI."))
        return data


def _require_reader(user):
    if not may_read_conventions(user):
        raise PermissionDenied(_("Les conventions se consultent par les agents et responsables des académies et collectivités."))


def _convention(request, pk):
    _require_reader(request.user)
    c = (conventions_for(request.user).filter(pk=pk).select_related("academie", "region", "product__vendor")
         .prefetch_related("collectivites", "coverage__school", "amendments__schools", "amendments__collectivites").first())
    if c is None:
        raise Http404(_("Aucune convention de votre périmètre ne porte ce numéro."))
    return c


def _school_year_param(request):
    value = request.GET.get("annee") or enrolment.school_year_of(timezone.localdate())
    try:
        fees.reference_day(value)
    except ValueError as exc:
        raise BadParameter("annee", str(exc)) from exc
    return value


@login_required
def conventions(request):
    _require_reader(request.user)
    today = timezone.localdate()
    rows = []
    qs = conventions_for(request.user).select_related("academie", "region", "product").prefetch_related("collectivites", "amendments")
    for c in qs:
        amendments = list(c.amendments.all())
        status = lifecycle.status_at(c, today, amendments)
        upcoming = enrolment.deadlines(c, today, amendments)
        rows.append({"c": c, "status": status, "next": next((d for d in upcoming if not d.kind.endswith("_effect")), None),
                     "collectivites": list(c.collectivites.all())})
    record_bulk_read(request, "web:conventions", rows=len(rows))
    return render(request, "conventions/list.html", {"rows": rows, "today": today})


def _years(c, today):
    amendments = list(c.amendments.all())
    status = lifecycle.status_at(c, today, amendments)
    last_day = min(today, status.ends_on or c.ends_on) if status.state != lifecycle.State.DRAFT else c.starts_on
    until = enrolment.school_year_of(max(last_day, c.starts_on))
    return list(reversed(enrolment.year_lists(c, until)))


def _detail_context(request, c, form=None, rejected=None):
    today = timezone.localdate()
    amendments = list(c.amendments.all())
    status = lifecycle.status_at(c, today, amendments)
    years = _years(c, today)
    return {
        "c": c, "status": status, "today": today, "terms": c.lifecycle or {},
        "deadlines": [d for d in enrolment.deadlines(c, today, amendments)],
        "versions": sorted(amendments, key=lambda a: (a.signed_on, a.pk)),
        "years": years, "fee": euros(c.fee_per_school) if c.fee_per_school else "",
        "collectivites": list(c.collectivites.all()),
        "may_import": may_record_school_lists(request.user, c),
        "form": form or AnnexForm(initial={"school_year": enrolment.school_year_of(today), "sent_on": today}),
        "rejected": rejected or [],
    }


@login_required
def detail(request, pk):
    c = _convention(request, pk)
    return render(request, "conventions/detail.html", _detail_context(request, c))


@login_required
def import_annex_view(request, pk):
    c = _convention(request, pk)
    if request.method != "POST":
        return redirect("web:convention_detail", pk=c.pk)
    if not may_record_school_lists(request.user, c):
        raise PermissionDenied(_("Seuls l'académie de la convention ou un administrateur enregistrent ses avenants."))
    form = AnnexForm(request.POST, request.FILES)
    rejected = []
    if form.is_valid():
        try:
            upload = form.cleaned_data["annex"]
            text = decode(upload.read()) if upload else form.cleaned_data["annex_text"]
            amendment = import_annex(request.user, c, school_year=form.cleaned_data["school_year"].strip(),
                                     sent_on=form.cleaned_data["sent_on"], text=text, summary=form.cleaned_data["summary"])
        except AnnexRejected as exc:
            rejected = exc.line_errors
            form.add_error("annex", _("Annexe refusée, rien n'est enregistré : %(n)s ligne(s) à corriger.") % {"n": len(rejected)})
        except ValidationError as exc:
            add_service_errors(form, exc, lambda name: {"schools": "annex"}.get(name, name))
        else:
            n = amendment.schools.count()
            year = enrolment.year_list(c, amendment.school_year)
            message = _("Avenant %(year)s enregistré : %(n)s école(s) inscrite(s).") % {"year": amendment.school_year, "n": n}
            if year.late is not None and year.late.pk == amendment.pk:
                message += " " + year.note
            messages.success(request, message)
            return redirect("web:convention_detail", pk=c.pk)
    c = _convention(request, pk)
    return render(request, "conventions/detail.html", _detail_context(request, c, form, rejected), status=400)


def _statement(c, school_year):
    lines = fees.fee_lines(school_year, c.__class__.objects.filter(pk=c.pk))
    by_payer = {}
    for line in lines:
        by_payer.setdefault((line.collectivite, line.siret), []).append(line)
    groups = []
    for (name, siret), rows in by_payer.items():
        total = sum((r.amount for r in rows), 0)
        groups.append({"name": name, "siret": siret, "total": euros(total), "count": sum(r.count for r in rows),
                       "rows": [{"uai": r.uai, "school": r.school, "count": r.count, "amount": euros(r.amount)} for r in rows]})
    return groups


@login_required
def fees_csv(request, pk):
    c = _convention(request, pk)
    year = _school_year_param(request)
    text = fees.statement_csv(year, c.__class__.objects.filter(pk=c.pk))
    record_bulk_read(request, f"web:convention_fees_csv {c.pk} {year}", export=True)
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="participations-{c.pk}-{year}.csv"'
    return response


@login_required
def fees_pdf(request, pk):
    from weasyprint import HTML

    c = _convention(request, pk)
    year = _school_year_param(request)
    groups = _statement(c, year)
    html = render_to_string("conventions/fees_print.html", {
        "c": c, "school_year": year, "groups": groups, "fee": euros(c.fee_per_school),
        "printed_on": timezone.localdate(), "enrolled": enrolment.year_list(c, year)}, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    record_bulk_read(request, f"web:convention_fees_pdf {c.pk} {year}", export=True)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="participations-{c.pk}-{year}.pdf"'
    return response
