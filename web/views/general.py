"""Pages every visitor sees: home (role-aware), information notice, accessibility statement."""

from django.conf import settings
from django.shortcuts import render

from directory.choices import Role
from directory.selectors import desks_for, perimeter_for


def home(request):
    perimeter = perimeter_for(request.user)
    context = {"perimeter": perimeter}
    if request.user.is_authenticated:
        roles = perimeter.roles
        context.update(
            is_requester=perimeter.everything or Role.REQUESTER in roles,
            is_agent=perimeter.everything or Role.AGENT in roles,
            is_observer=Role.OBSERVER in roles,
            is_manager=perimeter.everything or Role.MANAGER in roles,
            is_dpo=Role.DPO in roles,
            my_desks=list(desks_for(request.user).filter(pk__in=sorted(perimeter.desk_ids)))
            if perimeter.desk_ids
            else [],
        )
    return render(request, "home.html", context)


def legal(request):
    return render(
        request,
        "web/legal.html",
        {"controller": settings.HELPDESK_DATA_CONTROLLER, "dpo_contact": settings.HELPDESK_DPO_CONTACT},
    )


def accessibility(request):
    return render(request, "web/accessibility.html")
