from django.core.management.base import BaseCommand

from directory.importers.conventions import import_convention

from ._report import run_import


class Command(BaseCommand):
    help = "Importe une convention décrite en YAML ou JSON (parties, écoles, solution ENT, validité, matrice de support)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier .yaml, .yml ou .json (voir docs/conventions/).")
        parser.add_argument("--dry-run", action="store_true", help="Tout vérifier et résumer sans rien écrire.")

    def handle(self, *args, file, dry_run, **options):
        run_import(self, import_convention, file, dry_run=dry_run)
