"""The annual report ("bilan annuel") and the quarterly follow-up committee report: one page, its
PDF (WeasyPrint, the same body template) and its tables as CSV (one zip, one CSV per table).

Parameters: `convention` or `academie` (an id from the page's lists), `annee` ("2025-2026"),
`trimestre` (1–4, empty for the whole year). A malformed parameter is a 400 naming it; a
convention or académie outside the reader's perimeter a 404 (pilotage.report.OutOfPerimeter)."""

from __future__ import annotations

import io
import zipfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core import csv_export
from core.params import BadParameter, id_param
from journal.services import record_bulk_read
from pilotage import report as engine


def _require_reader(user):
    if not engine.may_read_reports(user):
        raise PermissionDenied


def _school_years(period):
    current = engine.current_school_year()
    years = list(range(current, current - 6, -1))
    if period.first_year not in years:
        years.append(period.first_year)
    return [f"{y}-{y + 1}" for y in sorted(years, reverse=True)]


def _build(request):
    """(context, report or None): the choices, the parsed parameters, the report when a scope is chosen."""
    _require_reader(request.user)
    period = engine.parse_period(request.GET)
    convention = id_param(request.GET, "convention")
    academie = id_param(request.GET, "academie")
    if convention and academie:
        raise BadParameter("academie", _("choisissez une convention ou une académie, pas les deux."))
    context = {
        "period": period, "convention_id": convention, "academie_id": academie,
        "conventions": engine.report_conventions(request.user), "academies": engine.report_academies(request.user),
        "school_years": _school_years(period), "quarters": [(q, engine.QUARTER_NAMES[q]) for q in engine.QUARTERS],
        "query": request.GET.urlencode(), "report": None,
    }
    if convention or academie:
        try:
            scope = engine.report_scope(request.user, convention=convention, academie=academie)
        except engine.OutOfPerimeter as exc:
            raise Http404(str(exc)) from None
        context["report"] = engine.build_report(request.user, scope, period)
    return context


@login_required
def annual_report(request):
    return render(request, "pilotage/annual_report.html", _build(request))


def _filename(report, ext):
    kind = "comite-de-suivi" if report.period.quarter else "bilan-annuel"
    scope = f"{report.scope.kind}-{report.scope.obj.pk}"
    return f"{kind}-{scope}-{report.period.slug}.{ext}"


def _require_report(context):
    if context["report"] is None:
        raise BadParameter("convention", _("choisissez une convention ou une académie de votre périmètre."))
    return context["report"]


@login_required
def annual_report_pdf(request):
    from weasyprint import HTML

    context = _build(request)
    report = _require_report(context)
    html = render_to_string("pilotage/annual_report_print.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    record_bulk_read(request, f"web:annual_report_pdf {report.scope.kind} {report.scope.obj.pk} {report.period.slug}",
                     rows=sum(len(t.rows) for t in report.tables()), export=True)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "pdf")}"'
    return response


def _csv(table) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")  # BOM: spreadsheet software opens UTF-8 accents correctly
    writer = csv_export.writer(out, delimiter=";")
    writer.writerow([str(c) for c in table.columns])
    writer.writerows([[cell if isinstance(cell, int) else str(cell) for cell in row] for row in table.rows])  # counts stay numbers
    return out.getvalue().encode("utf-8")


@login_required
def annual_report_csv(request):
    """Every table of the report, one CSV each (";" separated, UTF-8 with BOM), in one zip."""
    context = _build(request)
    report = _require_report(context)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, table in enumerate(report.tables(), start=1):
            archive.writestr(f"{i:02d}-{table.slug}.csv", _csv(table))
    record_bulk_read(request, f"web:annual_report_csv {report.scope.kind} {report.scope.obj.pk} {report.period.slug}",
                     rows=sum(len(t.rows) for t in report.tables()), export=True)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "zip")}"'
    return response
