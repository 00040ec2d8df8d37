import csv
from datetime import date, datetime, time

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from directory.choices import Role
from directory.models import Academie, Circonscription, Convention
from directory.selectors import desks_for, perimeter_for
from sla.availability import availability_report
from sla.calendar import ServiceCalendar
from sla.models import Service
from sla.selectors import availability_scope, perimeter_academies

from .. import dashboards
from ..dashboards import TABLES, Table, parse_filters


def _months(end: date, count: int = 12) -> list[date]:
    first = end.replace(day=1)
    months = []
    for back in range(count - 1, -1, -1):
        y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
        months.append(date(y, m + 1, 1))
    return months


def availability_by_month(user, f) -> Table:
    """The twelve months up to the period's end, month by month: the least available service inside
    the contract window (target 99.7 %) and outside it (97 %), the months under target flagged."""
    columns = [_("Mois"), _("Dans la plage contractuelle (service le moins disponible)"), _("Objectif"),
               _("Hors plage (service le moins disponible)"), _("Objectif hors plage"), _("Objectif tenu ?")]
    title = _("Disponibilité mois par mois (douze mois)")
    if f.academie:
        academies = list(Academie.objects.filter(pk=f.academie))
    elif perimeter_for(user).everything:
        academies = [None]  # national scope
    else:
        academies = list(perimeter_academies(user).order_by("name"))
    services = list(Service.objects.order_by("name"))
    now = timezone.now()
    rows = []
    for academie in academies:
        try:
            academie, _school = availability_scope(user, academie=academie)
        except PermissionDenied:
            return Table("disponibilite-mois", title, columns, [], chart="none",
                         note=_("Cette académie n'est pas dans votre périmètre."))
        calendar = ServiceCalendar.for_academie(academie) if academie else ServiceCalendar.for_zone(None)
        for month in _months(f.end):
            start = timezone.make_aware(datetime.combine(month, time.min))
            y, m = divmod(month.year * 12 + month.month, 12)
            end = min(timezone.make_aware(datetime.combine(date(y, m + 1, 1), time.min)), now)
            if not services or end <= start:
                continue
            reports = [(s, availability_report(s, start, end, academie=academie, calendar=calendar)) for s in services]
            label = date_format(month, "F Y")
            if end == now:
                label = _("%(month)s (en cours)") % {"month": label}
            if len(academies) > 1:
                label = f"{label} — {academie.name}"
            cells = [label]
            below = []
            for window, target_label in (("inside", _("sous l'objectif de %(target)s dans la plage contractuelle")),
                                         ("outside", _("sous l'objectif de %(target)s hors plage"))):
                measured = [(r[window], s) for s, r in reports if r[window]["seconds"]]
                if not measured:
                    cells += ["—", dashboards.target(reports[0][1][window]["target"])]
                    continue
                worst, service = min(measured, key=lambda item: item[0]["availability"])
                cells += [f"{dashboards.percent(worst['availability'], 2, floor=True)} — {service.name}",
                          dashboards.target(worst["target"])]
                late = [s.name for w, s in measured if w["breached"]]
                if late:
                    below.append(f"{target_label % {'target': dashboards.target(worst['target'])}} : {', '.join(late)}")
            cells.append(_("Non — %(what)s") % {"what": " ; ".join(below)} if below else _("Oui"))
            rows.append(cells)
    return Table("disponibilite-mois", title, columns, rows, chart="none")


def _table(slug):
    return availability_by_month if slug == "disponibilite-mois" else TABLES.get(slug)


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
    tables.insert(1, availability_by_month(request.user, f))  # after the period's figures per service
    context = {
        "filters": f,
        "tables": tables,
        "query": request.GET.urlencode(),
        "academies": Academie.objects.filter(pk__in=schools.values("academie_id")).order_by("name"),
        "conventions": Convention.objects.filter(coverage__school__in=schools).distinct().order_by("reference"),
        "circonscriptions": Circonscription.objects.filter(pk__in=schools.values("circonscription_id")).order_by("name"),
        "desks": desks_for(request.user).order_by("level", "name"),
    }
    return render(request, "web/dashboard.html", context)


@login_required
def export_csv(request, table):
    _require_manager(request.user)
    fn = _table(table)
    if fn is None:
        raise Http404
    t = fn(request.user, parse_filters(request.GET))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table}.csv"'
    response.write("\ufeff")  # BOM: spreadsheet software opens UTF-8 accents correctly
    writer = csv.writer(response, delimiter=";")
    writer.writerow(t.columns)
    writer.writerows(t.rows)
    return response
