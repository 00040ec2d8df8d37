from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render

from core import csv_export
from directory.choices import Role
from directory.models import Academie, Circonscription, Convention
from directory.selectors import perimeter_for
from journal.services import record_bulk_read

from ..dashboards import TABLES, parse_filters, perimeter_desks
from ..satisfaction import satisfaction_panel


def _require_manager(user):
    p = perimeter_for(user)
    if not (p.everything or p.has_role(Role.MANAGER)):
        raise PermissionDenied


@login_required
def dashboard(request):
    _require_manager(request.user)
    f = parse_filters(request.GET)
    p = perimeter_for(request.user)
    schools = p.schools()
    tables = [fn(request.user, f) for fn in TABLES.values()]
    context = {
        "filters": f,
        "tables": tables,
        "query": request.GET.urlencode(),
        "academies": Academie.objects.filter(pk__in=schools.values("academie_id")).order_by("name"),
        "conventions": Convention.objects.filter(coverage__school__in=schools).distinct().order_by("reference"),
        "circonscriptions": Circonscription.objects.filter(pk__in=schools.values("circonscription_id")).order_by("name"),
        "desks": perimeter_desks(request.user),
        "satisfaction": satisfaction_panel(request.user, f),
    }
    return render(request, "web/dashboard.html", context)


@login_required
def export_csv(request, table):
    _require_manager(request.user)
    fn = TABLES.get(table)
    if fn is None:
        raise Http404
    t = fn(request.user, parse_filters(request.GET))
    record_bulk_read(request, f"web:dashboard_csv {table}", rows=len(t.rows), export=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table}.csv"'
    response.write("\ufeff")  # BOM: spreadsheet software opens UTF-8 accents correctly
    writer = csv_export.writer(response, delimiter=";")  # free text such as `service`: no formula
    writer.writerow(t.columns)
    writer.writerows(t.rows)
    return response
