import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from directory.annex import AnnexRejected, decode, import_annex
from directory.models import Collectivite, Convention, User


class Command(BaseCommand):
    help = ("Enregistre l'avenant d'une convention qui fixe la liste des écoles inscrites pour une année scolaire, "
            "depuis son annexe (un UAI par ligne, éventuellement suivi du nom de l'école ; CSV ou texte). "
            "Tout ou rien : chaque ligne refusée est expliquée avec son numéro.")

    def add_arguments(self, parser):
        parser.add_argument("convention", help="Référence de la convention.")
        parser.add_argument("annex", help="Fichier de l'annexe (CSV ou texte).")
        parser.add_argument("--school-year", required=True, help="Année scolaire, par exemple 2021-2022.")
        parser.add_argument("--sent-on", required=True, help="Date de transmission à l'académie (AAAA-MM-JJ).")
        parser.add_argument("--summary", default="Avenant : nouvelle liste des écoles inscrites.", help="Objet de l'avenant.")
        parser.add_argument("--actor", required=True, help="Identifiant de la personne qui enregistre l'avenant.")
        parser.add_argument("--add-collectivite", action="append", default=[], type=int,
                            help="Identifiant d'une commune qui rejoint le RPI (répétable).")

    def handle(self, *args, convention, annex, school_year, sent_on, summary, actor, add_collectivite, **options):
        try:
            c = Convention.objects.get(reference=convention)
        except Convention.DoesNotExist as exc:
            raise CommandError(f"convention : « {convention} » inconnue.") from exc
        try:
            day = datetime.date.fromisoformat(sent_on)
        except ValueError as exc:
            raise CommandError(f"--sent-on : « {sent_on} » n'est pas une date AAAA-MM-JJ.") from exc
        user = User.objects.filter(username=actor).first()
        if user is None:
            raise CommandError(f"--actor : « {actor} » inconnu.")
        collectivites = list(Collectivite.objects.filter(pk__in=add_collectivite))
        try:
            with open(annex, "rb") as f:
                text = decode(f.read())
            amendment = import_annex(user, c, school_year=school_year, sent_on=day, text=text, summary=summary,
                                     collectivites=collectivites)
        except OSError as exc:
            raise CommandError(f"annexe : fichier illisible ({exc.strerror}).") from exc
        except AnnexRejected as exc:
            raise CommandError("annexe refusée, rien n'est enregistré :\n" + "\n".join(str(e) for e in exc.line_errors)) from exc
        except ValidationError as exc:
            raise CommandError("\n".join(f"{k} : {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        n = amendment.schools.count()
        self.stdout.write(f"Avenant {school_year} enregistré : {n} école{'s' if n > 1 else ''} inscrite{'s' if n > 1 else ''}.")
