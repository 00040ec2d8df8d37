"""Pages every visitor sees: home (role-aware), information notice, accessibility statement."""

from django.conf import settings
from django.shortcuts import render

from directory.choices import Category, Role
from directory.selectors import member_desks, perimeter_for
from pilotage.followers import current_followed
from tickets.selectors import privacy_cases, unread_notifications

PRIVACY_CATEGORIES = [Category.SECURITY, Category.DATA_PROTECTION]


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
            my_desks=member_desks(request.user),
            unread_notifications=unread_notifications(request.user).count(),
            followed_outages=current_followed(request.user),
        )
        if context["is_dpo"]:
            # The DPO's cases are rarely on their boards (they stay at the school's or the
            # authority's desk): the card lists them, the open ones first.
            context["privacy_cases"] = privacy_cases(request.user, PRIVACY_CATEGORIES)
    return render(request, "home.html", context)


def legal(request):
    return render(
        request,
        "web/legal.html",
        {"controller": settings.HELPDESK_DATA_CONTROLLER, "dpo_contact": settings.HELPDESK_DPO_CONTACT},
    )


def accessibility(request):
    return render(request, "web/accessibility.html")
