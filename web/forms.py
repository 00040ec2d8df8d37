"""Forms of the web UI. They only shape input; the rules live in tickets.services."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from directory.choices import BeneficiaryKind, Category
from directory.models import Resource
from tickets.workflow import Input

# Plain words and examples for each category (the teacher picks one in a few seconds).
CATEGORY_HELP = {
    Category.USAGE: _("Vous ne savez pas comment faire quelque chose. Ex. : partager un document avec la classe, créer un blog."),
    Category.MALFUNCTION: _("Quelque chose ne marche pas comme d'habitude. Ex. : message d'erreur, page blanche, cahier de textes qui ne s'enregistre pas."),
    Category.ACCOUNT: _("Connexion impossible, mot de passe, compte d'un élève ou d'un parent. Ex. : « identifiant inconnu »."),
    Category.NETWORK: _("Le matériel ou Internet de l'école. Ex. : pas de Wi-Fi, tablette qui ne s'allume pas, imprimante."),
    Category.THIRD_PARTY: _("Une ressource d'un autre éditeur ou du Médiacentre (GAR). Ex. : manuel numérique inaccessible."),
    Category.VIE_SCOLAIRE: _("Absences, notes, livret, emploi du temps."),
    Category.DATA_PROTECTION: _("Une demande sur des données personnelles. Ex. : un parent demande l'accès ou l'effacement de données."),
    Category.SECURITY: _("Un incident de sécurité, même supposé. Ex. : compte piraté, données visibles par erreur."),
    Category.OTHER: _("Rien de ce qui précède."),
}

# Modules of the ENT a teacher recognises (free text in the ticket, chosen from a short list here).
ENT_SERVICES = [
    ("", _("Je ne sais pas")),
    ("Connexion à l'ENT", _("Connexion à l'ENT")),
    ("Messagerie", _("Messagerie")),
    ("Cahier de textes", _("Cahier de textes")),
    ("Blog et actualités", _("Blog et actualités")),
    ("Espace documentaire", _("Espace documentaire")),
    ("Vie scolaire", _("Vie scolaire (absences, notes)")),
    ("Médiacentre / GAR", _("Médiacentre / ressources GAR")),
    ("Application mobile", _("Application mobile")),
    ("Autre", _("Autre")),
]

IMPACT_CHOICES = [
    (3, _("Moi seulement")),
    (2, _("Ma classe ou un groupe")),
    (1, _("Toute l'école, ou un service entier")),
]
URGENCY_CHOICES = [
    (1, _("Non, je suis bloqué·e")),
    (2, _("Oui, en contournant le problème")),
    (3, _("Oui, cela peut attendre quelques jours")),
]

ALLOWED_UPLOAD_TYPES = _("images (PNG, JPEG, GIF, WebP), PDF, texte, documents bureautiques, archives ZIP")


def attachment_limit_bytes() -> int:
    return settings.HELPDESK["ATTACHMENT_MAX_BYTES"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []

    def validate(self, value):
        # Each file is checked by FileField.clean; an empty list is fine when not required.
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class AttachmentsMixin:
    MAX_FILES = 5

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        limit = attachment_limit_bytes()
        if len(files) > self.MAX_FILES:
            raise forms.ValidationError(_("Au plus %(n)d fichiers.") % {"n": self.MAX_FILES})
        for f in files:
            if f.size > limit:
                raise forms.ValidationError(
                    _("« %(name)s » dépasse la taille maximale de %(max)d Mo.") % {"name": f.name, "max": limit // (1024 * 1024)}
                )
        return files


class ReportForm(AttachmentsMixin, forms.Form):
    school = forms.ModelChoiceField(queryset=None, label=_("École"), empty_label=None)
    category = forms.ChoiceField(label=_("De quoi s'agit-il ?"), choices=Category.choices, widget=forms.RadioSelect)
    service = forms.ChoiceField(label=_("Quel service de l'ENT ?"), choices=ENT_SERVICES, required=False)
    title = forms.CharField(
        label=_("En une phrase, que se passe-t-il ?"), max_length=200,
        help_text=_("Ex. : « La messagerie affiche une erreur à l'envoi »."),
    )
    description = forms.CharField(
        label=_("Détails"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Ce que vous faisiez, le message affiché, depuis quand. Ne donnez jamais de mot de passe."),
    )
    impact = forms.TypedChoiceField(label=_("Qui est gêné ?"), choices=IMPACT_CHOICES, coerce=int, initial=3, widget=forms.RadioSelect)
    urgency = forms.TypedChoiceField(label=_("Pouvez-vous continuer à travailler ?"), choices=URGENCY_CHOICES, coerce=int, initial=2, widget=forms.RadioSelect)
    contact = forms.CharField(
        label=_("Comment vous joindre"), max_length=200, required=False,
        help_text=_("Téléphone de l'école, horaires où vous êtes disponible."),
    )
    # Shown for "Ressource tierce" (app.js hides it otherwise; without JavaScript it stays, optional).
    resource = forms.ModelChoiceField(
        queryset=Resource.objects.select_related("editor"), required=False, label=_("Ressource ou service tiers concerné"),
        empty_label=_("Je ne sais pas / autre"), widget=forms.Select(attrs={"class": "fr-select"}),
        help_text=_("Uniquement pour la catégorie « Ressource tierce » : manuel numérique, ressource du Médiacentre (GAR)…"),
    )
    # "Pour le compte de": only for those who may enter a request for someone else (tickets.opening).
    on_behalf_of = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Une personne de l'école"), empty_label=_("— Personne sans compte, ou moi-même —"),
        widget=forms.Select(attrs={"class": "fr-select"}),
    )
    beneficiary_name = forms.CharField(
        label=_("Nom de la personne sans compte"), max_length=120, required=False,
        help_text=_("Nom et prénom seulement. Ex. : un parent d'élève."),
    )
    beneficiary_kind = forms.ChoiceField(
        label=_("Qualité"), required=False, widget=forms.Select(attrs={"class": "fr-select"}),
        choices=[("", _("—"))] + [(v, label) for v, label in BeneficiaryKind.choices if v],
    )
    attachments = MultipleFileField(label=_("Captures d'écran ou documents"), required=False)

    RELAY_FIELDS = ("on_behalf_of", "beneficiary_name", "beneficiary_kind")

    def __init__(self, *args, schools, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        if people is None:
            for name in self.RELAY_FIELDS:
                del self.fields[name]
        else:
            self.fields["on_behalf_of"].queryset = people
            self.fields["on_behalf_of"].label_from_instance = _person_label
            self.fields["contact"].label = _("Comment joindre la personne concernée")
            self.fields["contact"].help_text = _(
                "Pour une personne sans compte, son téléphone ou son courriel (rien d'autre) : obligatoire."
            )
        schools = list(schools)
        if len(schools) == 1:
            self.fields["school"].initial = schools[0].pk
        self.fields["attachments"].help_text = _("Jusqu'à %(n)d fichiers de %(max)d Mo chacun au plus : %(types)s.") % {
            "n": self.MAX_FILES, "max": attachment_limit_bytes() // (1024 * 1024), "types": ALLOWED_UPLOAD_TYPES,
        }

    @property
    def relays(self) -> bool:
        return "on_behalf_of" in self.fields

    def category_options(self):
        """(value, label, help, checked) for the radio list with explanations."""
        current = self["category"].value()
        return [(value, label, CATEGORY_HELP.get(value, ""), current == value) for value, label in Category.choices]


def _person_label(user) -> str:
    schools = sorted({m.school.name if m.school_id else m.desk.school.name for m in user.memberships.all()
                      if m.school_id or (m.desk_id and m.desk.school_id)})
    return f"{user.get_full_name() or user.username} — {', '.join(schools)}" if schools else str(user)


class MessageForm(AttachmentsMixin, forms.Form):
    body = forms.CharField(label=_("Votre message"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label=_("Pièces jointes"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


# --- Transition forms, built from the workflow table ----------------------------------------------
# A service argument posted under another HTML name (the name the form used before the table; tests
# and browser journeys post it).
HTML_NAMES = {("escalate", "reason"): "note"}


def _qualification_fields() -> dict:
    """The qualification asked before a ticket leaves for a higher level (required for the vendor)."""
    return {
        "steps_to_reproduce": forms.CharField(label=_("Étapes pour reproduire"), widget=forms.Textarea(attrs={"rows": 3}), required=False),
        "expected_behaviour": forms.CharField(label=_("Résultat attendu"), widget=forms.Textarea(attrs={"rows": 2}), required=False),
        "observed_behaviour": forms.CharField(label=_("Résultat observé"), widget=forms.Textarea(attrs={"rows": 2}), required=False),
        "users_affected": forms.IntegerField(label=_("Nombre d'utilisateurs concernés"), min_value=0, required=False),
        "first_seen_at": forms.DateTimeField(
            label=_("Constaté pour la première fois le"), required=False,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        ),
        "browser_device": forms.CharField(label=_("Navigateur et appareil"), max_length=200, required=False),
        "malfunction_proven": forms.BooleanField(label=_("Le dysfonctionnement est avéré (reproduit)"), required=False),
        "no_solution_found": forms.BooleanField(label=_("Aucune solution trouvée aux niveaux inférieurs"), required=False),
    }


def _route_targets(ticket):
    """The desks a DESK input may name: the other desks of the ticket's support chain at its level."""
    from directory.models import Desk
    from tickets.guards import route_targets

    return Desk.objects.filter(pk__in=[d.pk for d in route_targets(ticket)]).order_by("name")


def _form_fields(field, ticket) -> dict:
    """The form fields of one `workflow.Field`, by its input kind."""
    if field.kind == Input.TEXT:
        rows = 4 if field.name == "body" else 3 if field.required else 2  # a message, a reason, a note
        return {field.name: forms.CharField(label=field.label, widget=forms.Textarea(attrs={"rows": rows}), required=field.required)}
    if field.kind == Input.BOOL:
        return {field.name: forms.BooleanField(label=field.label, required=False)}
    if field.kind == Input.DESK:
        return {field.name: forms.ModelChoiceField(queryset=_route_targets(ticket), label=field.label, required=field.required)}
    if field.kind == Input.TICKET:
        return {field.name: forms.CharField(label=field.label, max_length=20, required=field.required)}
    if field.kind == Input.CHOICE:
        return {field.name: forms.ChoiceField(label=field.label, choices=field.choices, required=field.required)}
    if field.kind == Input.QUALIFICATION:
        return _qualification_fields()
    raise ValueError(f"no form field for {field.kind!r}")


class TransitionForm(forms.Form):
    """The form of one row of `tickets.workflow.TRANSITIONS`: its fields, by input kind, and the
    ticket's version. `service_kwargs()` gives the action's keyword arguments."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, row, ticket, user, **kwargs):
        self.row, self.user = row, user
        kinds = {f.kind for f in row.fields}
        if Input.QUALIFICATION in kinds and not kwargs.get("initial"):
            from tickets.models import QUALIFICATION_FIELDS

            initial = {f: getattr(ticket, f) for f in QUALIFICATION_FIELDS}
            initial.update(malfunction_proven=ticket.malfunction_proven, no_solution_found=ticket.no_solution_found)
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["version"].initial = ticket.version
        self.html_names: dict[str, str] = {}  # service argument → form field name
        self.arguments: dict[str, tuple[str, ...]] = {}  # workflow field → its service arguments
        for field in row.fields:
            added = _form_fields(field, ticket)
            for name, form_field in added.items():
                html = HTML_NAMES.get((row.name, name), name)
                self.fields[html] = form_field
                self.html_names[name] = html
            self.arguments[field.name] = tuple(added)
        self._tickets = {f.name for f in row.fields if f.kind == Input.TICKET}

    def drop(self, field) -> None:
        """Leave one workflow field out of the form (not shown to this person)."""
        for name in self.arguments.get(field.name, ()):
            self.fields.pop(self.html_names[name], None)

    def field_name(self, argument: str) -> str | None:
        """The form field of a service argument (to show a service's error on it)."""
        name = self.html_names.get(argument)
        return name if name in self.fields else None

    def clean(self):
        cleaned = super().clean()
        for argument in self._tickets:
            html = self.html_names[argument]
            value = (cleaned.get(html) or "").strip().upper()
            if not value:
                cleaned[html] = None
                continue
            cleaned[html] = self._ticket(value)
            if cleaned[html] is None:
                self.add_error(html, _("Aucun ticket de votre périmètre ne porte cette référence."))
        return cleaned

    def _ticket(self, reference):
        from tickets.selectors import visible_to

        return visible_to(self.user).filter(reference=reference).first()

    def service_kwargs(self) -> dict:
        kwargs = {}
        for argument, html in self.html_names.items():
            if html not in self.fields:
                continue
            value = self.cleaned_data.get(html)
            if argument in self._tickets and value is None:
                continue  # an optional reference left empty: the service's default
            kwargs[argument] = value
        return kwargs


def transition_form(row, ticket, user, data=None) -> TransitionForm:
    """The form of `row` for `ticket`, prefixed by the row's name; bound when `data` is given."""
    return TransitionForm(data, prefix=row.name, row=row, ticket=ticket, user=user)


class OutageForm(forms.Form):
    service = forms.ModelChoiceField(queryset=None, label=_("Service interrompu"))
    scope = forms.ChoiceField(label=_("Portée"))
    academie = forms.ModelChoiceField(queryset=None, label=_("Académie (si la portée est une académie)"), required=False)
    collectivite = forms.ModelChoiceField(queryset=None, label=_("Collectivité (si la portée est une collectivité)"), required=False)
    schools = forms.ModelMultipleChoiceField(queryset=None, label=_("Écoles (si la portée est une liste d'écoles)"), required=False)
    started_at = forms.DateTimeField(
        label=_("Début"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
    )
    ended_at = forms.DateTimeField(
        label=_("Fin (déjà passée, ou prévue pour une maintenance)"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
    )
    planned = forms.BooleanField(
        label=_("Maintenance planifiée"), required=False,
        help_text=_("Annoncée aujourd'hui aux écoles concernées ; comptée ou non dans la disponibilité selon la convention."),
    )
    cause = forms.CharField(label=_("Cause connue"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
