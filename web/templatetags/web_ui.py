from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from web import presenters

register = template.Library()


def _duration(seconds: int) -> str:
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)d j %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)02d") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


def sla_status(due_at, *, paused=False, warning_at=None, met=None, now=None):
    """(css modifier, text) for a countdown: the text always says it, the colour only repeats it."""
    now = now or timezone.now()
    if met is not None:
        return ("ok", _("tenu")) if met else ("breached", _("tenu hors délai"))
    if paused:
        return "paused", _("en pause (attente du demandeur)")
    if due_at is None:
        return "paused", _("sans échéance")
    remaining = (due_at - now).total_seconds()
    if remaining < 0:
        return "breached", _("dépassé de %(d)s") % {"d": _duration(remaining)}
    if warning_at is not None and now >= warning_at:
        return "warning", _("bientôt dû : reste %(d)s") % {"d": _duration(remaining)}
    return "ok", _("reste %(d)s") % {"d": _duration(remaining)}


@register.inclusion_tag("web/_sla.html")
def sla_countdown(due_at, paused=False, warning_at=None, met=None, label=""):
    modifier, text = sla_status(due_at, paused=paused, warning_at=warning_at, met=met)
    return {"modifier": modifier, "text": text, "due_at": due_at, "warning_at": warning_at,
            "paused": paused, "label": label, "live": met is None and not paused and due_at is not None}


@register.filter
def requester_status(ticket):
    return presenters.requester_status(ticket)


@register.filter
def where_label(desk):
    return presenters.where_label(desk)


@register.filter
def state_badge(state):
    return presenters.state_badge(state)


@register.filter
def number(value):
    """A figure in the active language's format, thousands grouped ("12 345" in French); text
    (already formatted shares, names) is left as it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return number_format(value, force_grouping=True)


@register.filter
def when(value):
    """A date-time (or its ISO text, as personal-data exports hold them) as people read it:
    "01/12/2026 14:05" in French, local time."""
    from datetime import datetime

    from django.utils.formats import date_format

    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return value or "—"
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, "SHORT_DATETIME_FORMAT")


@register.filter
def readable(value):
    """A stored value as people read it: dates as `when`, yes/no for booleans, "—" for nothing."""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if value in (None, ""):
        return "—"
    return when(value)


@register.filter
def user_field_label(name):
    """An account field's name ("first_name") as its label ("prénom")."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import FieldDoesNotExist

    try:
        return get_user_model()._meta.get_field(name).verbose_name
    except FieldDoesNotExist:
        return name


@register.filter
def journal_label(code, vocabulary):
    """An access-journal code ("web", "view") in words: vocabulary is interface, action or outcome."""
    from journal.models import Action, Interface, Outcome

    choices = {"interface": Interface, "action": Action, "outcome": Outcome}.get(vocabulary)
    return str(dict(choices.choices).get(code, code)) if choices else code


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")


@register.inclusion_tag("web/_sla.html")
def clock_countdown(clock):
    """Countdown of one sla.Clock (running, paused or met)."""
    met = clock.met_within_target if clock.state == "met" else None
    modifier, text = sla_status(clock.due_at, paused=clock.state == "paused", warning_at=clock.warning_at, met=met)
    return {"modifier": modifier, "text": text, "due_at": clock.due_at, "warning_at": clock.warning_at,
            "paused": clock.state == "paused", "label": "", "live": clock.state == "running" and clock.due_at is not None}


# --- precomputed per-row values (lists of 50–200 rows: one tag or translation per row adds up) ---

def sla_html(due_at, *, paused=False, warning_at=None, met=None, label="", now=None):
    """The HTML `{% sla_countdown %}` renders (web/_sla.html), built without a template: the board
    shows fifty of them per page. Same bytes as the tag (tests/web/test_page_rows.py)."""
    from django.template.defaultfilters import date as date_filter
    from django.utils.html import conditional_escape, escape
    from django.utils.safestring import mark_safe
    from django.utils.timezone import template_localtime

    modifier, text = sla_status(due_at, paused=paused, warning_at=warning_at, met=met, now=now)
    live = met is None and not paused and due_at is not None
    out = [f'<span class="sla sla--{conditional_escape(modifier)}"']
    if live:
        out.append(f' data-due="{escape(due_at.isoformat())}"')
        if warning_at:
            out.append(f' data-warning="{escape(warning_at.isoformat())}"')
    out.append(">")
    if label:
        out.append(f'<span class="visually-hidden">{conditional_escape(label)} : </span>')
    out.append(f"{conditional_escape(text)}</span>")
    if due_at:
        out.append(f' <small>({conditional_escape(_("échéance"))} <time datetime="{escape(due_at.isoformat())}">'
                   f'{conditional_escape(date_filter(template_localtime(due_at), "d/m H:i"))}</time>)</small>')
    out.append("\n")
    return mark_safe("".join(out))  # nosec B308 B703 - every value above is escaped


def ticket_url_maker():
    """`{% url 'web:ticket' reference %}` for many rows: one reverse(), then the reference put in
    its place (references are letters, digits and dashes; anything else goes through reverse())."""
    import re

    from django.urls import reverse

    head, _sep, tail = reverse("web:ticket", args=["ENT-0"]).rpartition("ENT-0")
    plain = re.compile(r"[A-Za-z0-9-]+\Z")

    def url(reference):
        if plain.match(reference):
            return f"{head}{reference}{tail}"
        return reverse("web:ticket", args=[reference])

    return url


def choice_labels(choices) -> dict:
    """{value: label as text} for a model's choices, translated once (get_FOO_display hashes every
    lazy label at each call)."""
    return {value: str(label) for value, label in choices}
