"""Forms of the web UI. They only shape input; the rules live in tickets.services."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from directory.choices import Category

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
    attachments = MultipleFileField(label=_("Captures d'écran ou documents"), required=False)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        schools = list(schools)
        if len(schools) == 1:
            self.fields["school"].initial = schools[0].pk
        self.fields["attachments"].help_text = _("Jusqu'à %(n)d fichiers de %(max)d Mo chacun au plus : %(types)s.") % {
            "n": self.MAX_FILES, "max": attachment_limit_bytes() // (1024 * 1024), "types": ALLOWED_UPLOAD_TYPES,
        }

    def category_options(self):
        """(value, label, help, checked) for the radio list with explanations."""
        current = self["category"].value()
        return [(value, label, CATEGORY_HELP.get(value, ""), current == value) for value, label in Category.choices]


class MessageForm(AttachmentsMixin, forms.Form):
    body = forms.CharField(label=_("Votre message"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label=_("Pièces jointes"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


# --- Agent transition forms -----------------------------------------------------------------------
class TransitionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_kwargs(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class TakeForm(TransitionForm):
    pass


class ConfirmForm(TransitionForm):
    pass


class CommentForm(TransitionForm):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))
    internal = forms.BooleanField(
        label=_("Note interne (invisible du demandeur)"), required=False,
    )


class RequestInfoForm(TransitionForm):
    body = forms.CharField(label=_("Votre question au demandeur"), widget=forms.Textarea(attrs={"rows": 4}))


class AnswerForm(TransitionForm):
    body = forms.CharField(label=_("Votre réponse"), widget=forms.Textarea(attrs={"rows": 4}))


class RouteForm(TransitionForm):
    desk = forms.ModelChoiceField(queryset=None, label=_("Vers le guichet"))
    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        from directory.models import Desk

        qs = Desk.objects.all()
        if ticket is not None:
            qs = qs.filter(level=ticket.level).exclude(pk=ticket.desk_id)
        self.fields["desk"].queryset = qs.order_by("name")


class EscalateForm(TransitionForm):
    """Qualification asked before a ticket leaves for a higher level (required for the vendor)."""

    steps_to_reproduce = forms.CharField(label=_("Étapes pour reproduire"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    expected_behaviour = forms.CharField(label=_("Résultat attendu"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    observed_behaviour = forms.CharField(label=_("Résultat observé"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    users_affected = forms.IntegerField(label=_("Nombre d'utilisateurs concernés"), min_value=0, required=False)
    first_seen_at = forms.DateTimeField(
        label=_("Constaté pour la première fois le"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
    )
    browser_device = forms.CharField(label=_("Navigateur et appareil"), max_length=200, required=False)
    malfunction_proven = forms.BooleanField(label=_("Le dysfonctionnement est avéré (reproduit)"), required=False)
    no_solution_found = forms.BooleanField(label=_("Aucune solution trouvée aux niveaux inférieurs"), required=False)
    note = forms.CharField(label=_("Message pour le niveau suivant"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, ticket=None, **kwargs):
        if ticket is not None and not kwargs.get("initial"):
            from tickets.models import QUALIFICATION_FIELDS

            initial = {f: getattr(ticket, f) for f in QUALIFICATION_FIELDS}
            initial.update(malfunction_proven=ticket.malfunction_proven, no_solution_found=ticket.no_solution_found)
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)


class SendBackForm(TransitionForm):
    reason = forms.CharField(label=_("Ce qui manque (motif du renvoi)"), widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(TransitionForm):
    summary = forms.CharField(label=_("Résumé de la résolution (visible du demandeur)"), widget=forms.Textarea(attrs={"rows": 3}))


class ReopenForm(TransitionForm):
    reason = forms.CharField(label=_("Qu'est-ce qui ne fonctionne toujours pas ?"), widget=forms.Textarea(attrs={"rows": 3}))


class CancelForm(TransitionForm):
    reason = forms.CharField(label=_("Motif de l'annulation"), widget=forms.Textarea(attrs={"rows": 2}))


class LinkForm(TransitionForm):
    target = forms.CharField(label=_("Référence du ticket (ENT-AAAA-NNNNNN)"), max_length=20)


class OutageForm(forms.Form):
    service = forms.ModelChoiceField(queryset=None, label=_("Service interrompu"))
    scope = forms.ChoiceField(label=_("Portée"))
    academie = forms.ModelChoiceField(queryset=None, label=_("Académie (si la portée est une académie)"), required=False)
    schools = forms.ModelMultipleChoiceField(queryset=None, label=_("Écoles (si la portée est une liste d'écoles)"), required=False)
    started_at = forms.DateTimeField(
        label=_("Début"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
    )
    cause = forms.CharField(label=_("Cause connue"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
