from django.core.management.base import BaseCommand, CommandError

from sla.holiday_import import import_file, import_rows
from sla.school_holidays import snapshot_rows


class Command(BaseCommand):
    help = ("Importe les vacances scolaires (jeu de données fr-en-calendrier-scolaire) depuis l'export "
            "CSV/JSON ou un fichier ICS par zone ; sans fichier, recharge l'instantané livré.")

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="fichier .csv, .json ou .ics")
        parser.add_argument("--format", choices=["csv", "json", "ics"])
        parser.add_argument("--zone", help="zone du fichier ICS (A, B, C, Corse…)")
        parser.add_argument("--strict", action="store_true", help="refuser tout le fichier si une ligne est invalide")

    def handle(self, path=None, format=None, zone=None, strict=False, **options):
        try:
            if path:
                summary = import_file(path, format, zone, strict)
            else:
                summary = import_rows(snapshot_rows(), source="snapshot sla/data/calendrier_scolaire.csv")
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        for message in summary.rejected:
            self.stderr.write(f"rejetée : {message}")
        self.stdout.write(str(summary))
