"""Forms of the privacy pages (labels in French; the services check again and name the field)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.models import School

from .models import Party, Right, StepKind

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class RequestForm(forms.Form):
    """Intake of a data-subject request: the person (a name and one contact, nothing more), the
    right, who received it, where and when."""

    person_name = forms.CharField(label=_("Nom de la personne"), max_length=200)
    person_contact = forms.CharField(label=_("Contact pour la réponse"), max_length=200,
                                     help_text=_("Une adresse électronique ou postale, ou un téléphone : rien d'autre."))
    right = forms.ChoiceField(label=_("Droit exercé"), choices=Right.choices)
    convention = forms.ModelChoiceField(label=_("Convention"), queryset=None, empty_label=None)
    school = forms.ModelChoiceField(label=_("École concernée"), queryset=School.objects.none(), required=False,
                                    empty_label=_("Plusieurs écoles ou au-delà d'une école"))
    module = forms.ChoiceField(label=_("Module concerné"), required=False,
                               help_text=_("Les modules décrits par la convention ; « non précisé » si la personne ne le dit pas."))
    received_by = forms.ChoiceField(label=_("Partie qui a reçu la demande"), choices=Party.choices)
    received_at = forms.DateTimeField(label=_("Reçue le"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
                                      help_text=_("Date et heure de réception (heure de Paris) : les délais en partent."))

    def __init__(self, *args, conventions, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["convention"].queryset = conventions
        self.fields["school"].queryset = schools
        modules = [("", _("Non précisé"))]
        for c in conventions:
            group = [(m["slug"], m["name"]) for m in c.dsr_modules or []]
            if group:
                modules.append((str(c), group))
        self.fields["module"].choices = modules


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("Étape"), widget=forms.RadioSelect)
    at = forms.DateTimeField(label=_("Faite le"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
                             help_text=_("L'étape arrête son délai à cette date ; après l'échéance, elle reste en retard."))
    recipient = forms.CharField(label=_("Destinataire"), max_length=200, required=False,
                                help_text=_("Par défaut : le responsable compétent (transmission) ou la collectivité (communication de la réponse)."))
    detail = forms.CharField(label=_("Précisions"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                             help_text=_("Obligatoire pour une prolongation : son motif (RGPD art. 12-3)."))

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, StepKind(k).label) for k in kinds]
