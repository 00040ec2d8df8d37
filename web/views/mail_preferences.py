""""Mes courriels": the language of one's e-mails and, per desk one works at, immediately, in a
digest or none; and the one-click unsubscribe link of the desks' optional mails (RFC 8058)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from directory.models import Desk
from directory.selectors import member_desks
from tickets import mail_preferences

Mode = mail_preferences.Mode


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    desks = member_desks(request.user)
    language, modes = mail_preferences.preferences_of(request.user)
    errors, saved = {}, False
    if request.method == "POST":
        language = request.POST.get("language", language)
        if language not in dict(settings.LANGUAGES):
            errors["language"] = _("Langue des courriels : choisissez une langue de la liste.")
        chosen = {}
        for desk in desks:
            mode = request.POST.get(f"desk-{desk.pk}", modes.get(desk.pk, Mode.IMMEDIATE))
            if mode not in Mode.values:
                errors[f"desk-{desk.pk}"] = _("Courriels du guichet %(desk)s : choisissez une option de la liste.") % {"desk": desk.name}
            chosen[desk.pk] = mode
        if not errors:
            mail_preferences.set_preferences(request.user, language=language, modes=chosen)
            modes, saved = chosen, True
        else:
            modes = chosen
    rows = [{"desk": desk, "mode": modes.get(desk.pk, Mode.IMMEDIATE)} for desk in desks]
    return render(request, "web/mail_preferences.html", {
        "language": language, "languages": settings.LANGUAGES, "rows": rows, "modes": Mode.choices,
        "errors": errors, "saved": saved, "digest_hours": settings.HELPDESK.get("MAIL_DIGEST_HOURS", ()),
    }, status=400 if errors else 200)


# Mail clients post the one-click request without a session or CSRF token: the signed link is the
# proof (it only ever turns one desk's mails off for one person).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    read = mail_preferences.read_unsubscribe_token(token)
    desk = Desk.objects.filter(pk=read[1]).first() if read else None
    if desk is None:
        return render(request, "web/mail_unsubscribe.html", {"error": _("Ce lien de désinscription n'est pas valide.")}, status=400)
    done = False
    if request.method == "POST":
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=read[0]).first()
        if user is None:
            return render(request, "web/mail_unsubscribe.html", {"error": _("Ce lien de désinscription n'est pas valide.")}, status=400)
        mail_preferences.set_preferences(user, modes={desk.pk: Mode.NONE})
        done = True
    return render(request, "web/mail_unsubscribe.html", {"desk": desk, "token": token, "done": done})
