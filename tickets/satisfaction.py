"""Satisfaction: the requester rates a resolved ticket once (1 to 5, an optional comment), from the
ticket page or from the signed links of the resolution e-mail; the dashboard reads the results per
desk, level and month (`satisfaction_summary`, scoped by the one access rule).

A link of the e-mail carries the ticket, the rating and the requester, signed with an expiry
(`django.core.signing`, salt `SALT`): it opens a page that confirms with a POST, since mail
scanners follow GET links. The rating writes one timeline line (`EventKind.SATISFACTION`, for
the support chain) and takes a ticket version like any change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .access import visible_q
from .actions import commit, lock, snapshot
from .exceptions import GuardFailed, PermissionDenied
from .models import SatisfactionRating, State, Ticket
from .states import EventKind, Visibility

SALT = "tickets.satisfaction.link"
RATINGS = (1, 2, 3, 4, 5)
RATING_LABELS = {
    1: _lazy("Très insatisfait·e"),
    2: _lazy("Insatisfait·e"),
    3: _lazy("Moyennement satisfait·e"),
    4: _lazy("Satisfait·e"),
    5: _lazy("Très satisfait·e"),
}
RATEABLE = (State.RESOLVED, State.CLOSED)
COMMENT_MAX = 2000
DEFAULT_LINK_DAYS = 30


class AlreadyRated(GuardFailed):
    default_message = _lazy("Cette demande a déjà été évaluée : une seule évaluation par demande.")


class BadLink(Exception):
    """A rating link that cannot be used: `expired` or tampered with (`message` says which)."""

    def __init__(self, message: str, *, expired: bool = False):
        self.message, self.expired = str(message), expired
        super().__init__(self.message)


def link_max_age() -> timedelta:
    """How long a rating link of the resolution e-mail stays valid (HELPDESK["SATISFACTION_LINK_DAYS"])."""
    return timedelta(days=int(settings.HELPDESK.get("SATISFACTION_LINK_DAYS", DEFAULT_LINK_DAYS)))


# --- the signed links ---------------------------------------------------------------------------

def make_token(ticket: Ticket, rating: int) -> str:
    return signing.dumps({"t": ticket.pk, "r": int(rating), "u": ticket.requester_id}, salt=SALT)


def read_token(token: str) -> tuple[Ticket, int]:
    """(ticket, rating) of a link; BadLink when it expired, was altered or names another requester."""
    try:
        data = signing.loads(token, salt=SALT, max_age=link_max_age())
    except signing.SignatureExpired:
        raise BadLink(_("Ce lien d'évaluation a expiré : vous pouvez encore évaluer la demande depuis sa page, "
                        "après vous être connecté·e."), expired=True) from None
    except signing.BadSignature:
        raise BadLink(_("Ce lien d'évaluation n'est pas valide (il a peut-être été coupé ou modifié) : "
                        "évaluez la demande depuis sa page.")) from None
    try:
        rating = int(data["r"])
        ticket = Ticket.objects.select_related("requester", "school").get(pk=int(data["t"]), requester_id=int(data["u"]))
    except (KeyError, TypeError, ValueError, Ticket.DoesNotExist):
        raise BadLink(_("Ce lien d'évaluation ne correspond à aucune demande.")) from None
    if rating not in RATINGS:
        raise BadLink(_("Ce lien d'évaluation n'est pas valide : la note doit aller de 1 à 5."))
    return ticket, rating


def link_url(ticket: Ticket, rating: int) -> str:
    """Absolute address of the confirmation page of one rating (for the e-mail)."""
    from django.urls import NoReverseMatch, get_script_prefix, reverse

    from .outbox import base_url

    token = make_token(ticket, rating)
    try:
        path = reverse("web:satisfaction_link", args=[token])
    except NoReverseMatch:  # a URLconf without the web UI (the API's own tests)
        path = reverse("web:satisfaction_link", args=[token], urlconf="helpdesk.urls")
    prefix = get_script_prefix()
    if prefix != "/" and path.startswith(prefix):
        path = "/" + path[len(prefix):]
    return base_url() + path


def mail_text(ticket: Ticket) -> str:
    """The rating paragraph of the resolution e-mail: one signed link per value."""
    days = link_max_age().days
    lines = [_("Votre avis nous aide : notez la réponse apportée (un clic, puis confirmez) :")]
    lines += [f"{r}/5 — {RATING_LABELS[r]} : {link_url(ticket, r)}" for r in RATINGS]
    lines.append(_("Ces liens restent valables %(days)s jours.") % {"days": days})
    return "\n".join(lines)


# --- rating -------------------------------------------------------------------------------------

def rating_of(ticket) -> SatisfactionRating | None:
    return SatisfactionRating.objects.filter(ticket=ticket).first()


def may_rate(user, ticket: Ticket, rating: SatisfactionRating | None = None) -> bool:
    """The requester, once the ticket is resolved or closed, if not rated yet (`rating`: the
    existing one when the caller already read it)."""
    return (getattr(user, "pk", None) is not None and ticket.requester_id == user.pk
            and ticket.state in RATEABLE and rating is None)


def _clean(rating, comment) -> tuple[int, str]:
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = None
    if rating not in RATINGS:
        raise ValidationError({"rating": _("La note est un nombre de 1 à 5.")})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": _("Le commentaire dépasse %(max)s caractères.") % {"max": COMMENT_MAX}})
    return rating, comment


@transaction.atomic
def rate(ticket, *, actor, rating, comment: str = "", via: str = SatisfactionRating.Via.WEB) -> SatisfactionRating:
    """The requester's rating, once per ticket, after resolution: one timeline line for the
    support chain (`EventKind.SATISFACTION`) and the rating row, in one transaction.

    PermissionDenied: not the requester; AlreadyRated (a GuardFailed): rated before; GuardFailed:
    not resolved (or cancelled); ValidationError on `rating` or `comment`."""
    rating, comment = _clean(rating, comment)
    if via not in SatisfactionRating.Via.values:
        raise ValidationError({"via": _("Canal inconnu.")})
    t = lock(ticket)
    if getattr(actor, "pk", None) is None or t.requester_id != actor.pk:
        raise PermissionDenied(_("Seul le demandeur peut évaluer la réponse apportée à sa demande."))
    if SatisfactionRating.objects.filter(ticket_id=t.pk).exists():
        raise AlreadyRated()
    if t.state not in RATEABLE:
        raise GuardFailed(_("La demande %(ref)s n'est pas résolue : elle pourra être évaluée après sa résolution.")
                          % {"ref": t.reference})
    before = snapshot(t)
    desk_id = t.resolved_by_desk_id or t.desk_id
    event = commit(t, before, actor=actor, kind=EventKind.SATISFACTION, visibility=Visibility.CHAIN,
                   payload={"rating": rating, "comment": comment, "via": via})
    return SatisfactionRating.objects.create(ticket=t, rating=rating, comment=comment, author=actor, desk_id=desk_id,
                                             level=t.level, via=via, at=event.at, event=event)


# --- results ------------------------------------------------------------------------------------

@dataclass
class SummaryRow:
    month: date
    desk: str
    level: int
    count: int
    average: Decimal
    counts: list[int] = field(default_factory=list)  # how many 1, 2, 3, 4, 5

    @property
    def satisfied(self) -> int:
        """Ratings of 4 or 5."""
        return self.counts[3] + self.counts[4]


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(start, time.min), tz),
            timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz))


def satisfaction_summary(user, start: date, end: date, desk_id: int | None = None, schools=None) -> list[SummaryRow]:
    """Ratings given from `start` to `end` (inclusive, local days) on the tickets `user` may read
    (`tickets.access.visible_q`), per month, level and resolving desk: count, average, spread.
    One query (the perimeter is read once per user and cached)."""
    lo, hi = _bounds(start, end)
    qs = SatisfactionRating.objects.filter(at__gte=lo, at__lt=hi)
    q = visible_q(user)
    if q is not None:
        qs = qs.filter(ticket__in=Ticket.objects.filter(q).values("pk"))
    if desk_id is not None:
        qs = qs.filter(desk_id=desk_id)
    if schools is not None:  # a report's scope (a convention's or an académie's schools)
        qs = qs.filter(ticket__school__in=schools)
    rows = (
        qs.annotate(month=TruncMonth("at", tzinfo=timezone.get_current_timezone()))
        .values("month", "level", "desk__name")
        .annotate(n=Count("pk"), avg=Avg("rating"), **{f"r{r}": Count("pk", filter=Q(rating=r)) for r in RATINGS})
        .order_by("month", "level", "desk__name")
    )
    found = []
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime) else month
        found.append(SummaryRow(
            month=month, desk=row["desk__name"] or "—", level=row["level"], count=row["n"],
            average=Decimal(str(row["avg"] or 0)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
            counts=[row[f"r{r}"] for r in RATINGS],
        ))
    return found


def forget_person(ticket_id: int, *, sentinel, text: str) -> int:
    """Anonymisation of a ticket (privacy.services.anonymise_ticket): the rating's comment is what
    a person typed and its author a person; the rating, desk, level and date stay (statistics)."""
    rows = SatisfactionRating.objects.filter(ticket_id=ticket_id)
    rows.exclude(comment="").update(comment=text)
    return rows.update(author=sentinel)
