from django.core.management.base import BaseCommand, CommandError

from directory.fees import reference_day, statement_csv


class Command(BaseCommand):
    help = ("Relevé des participations d'une année scolaire, par collectivité (écoles couvertes × coût par école) : "
            "la base du titre de perception, en CSV (séparateur « ; »).")

    def add_arguments(self, parser):
        parser.add_argument("school_year", help="Année scolaire, par exemple 2022-2023.")
        parser.add_argument("--output", help="Fichier CSV à écrire (par défaut : la sortie standard).")

    def handle(self, *args, school_year, output=None, **options):
        try:
            reference_day(school_year)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        text = statement_csv(school_year)
        if output:
            with open(output, "w", encoding="utf-8-sig", newline="") as f:
                f.write(text)
            self.stdout.write(f"Relevé {school_year} écrit dans {output}.")
        else:
            self.stdout.write(text, ending="")
