from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from core.params import date_param

from .models import Action, Interface, ObjectType, Outcome
from .selectors import journal_for, may_read_journal, search

PAGE_SIZE = 200


@login_required
def journal_search(request):
    """The DPO's search page: accesses to the tickets and people of their perimeter."""
    if not may_read_journal(request.user):
        raise PermissionDenied
    # The selector ignores what it cannot read; a date it would overflow on (0001-01-01 at midnight
    # in Paris is in year 0 in UTC) is a 400 naming the parameter.
    for name in ("since", "until"):
        date_param(request.GET, name)
    qs = search(journal_for(request.user), request.GET)
    entries = list(qs[: PAGE_SIZE + 1])
    context = {
        "entries": entries[:PAGE_SIZE],
        "truncated": len(entries) > PAGE_SIZE,
        "params": request.GET,
        "interfaces": Interface.choices,
        "actions": Action.choices,
        "outcomes": Outcome.choices,
        "object_types": ObjectType.choices,
    }
    return render(request, "journal/search.html", context)
