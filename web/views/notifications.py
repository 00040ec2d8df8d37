"""The person's notifications (the bell): alerts the outbox delivered in the app — ticket events,
legal clocks of breaches and data-subject requests. Only one's own; opening one marks it read."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tickets.selectors import notifications_of

PAGE = 100


def _target(n) -> str:
    # Its own page when the alert names one (a breach record, a request): a path of the product
    # only, never an outside address; else its ticket.
    if n.link.startswith("/") and not n.link.startswith("//"):
        return n.link
    if n.ticket_id:
        return reverse("web:ticket", args=[n.ticket.reference])
    return reverse("web:notifications")


@login_required
def notifications(request):
    rows = list(notifications_of(request.user)[:PAGE])
    for n in rows:
        n.target = _target(n)
    unread = sum(1 for n in rows if n.read_at is None)
    return render(request, "web/notifications.html", {"notifications": rows, "unread": unread})


@login_required
def notification_open(request, pk):
    n = notifications_of(request.user).filter(pk=pk).first()
    if n is None:
        raise Http404("Notification introuvable.")
    if n.read_at is None:
        notifications_of(request.user).filter(pk=pk).update(read_at=timezone.now())
    return redirect(_target(n))


@require_POST
@login_required
def notifications_read(request):
    notifications_of(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("web:notifications")
