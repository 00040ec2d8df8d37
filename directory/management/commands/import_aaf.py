from django.core.management.base import BaseCommand

from directory.importers.aaf import import_aaf

from ._report import run_import


class Command(BaseCommand):
    help = ("Importe un export AAF (fichiers XML ficAlimMENESR) : établissements (EtabEducNat) et personnels "
            "(PersEducNat). Les fichiers élèves et responsables sont ignorés (minimisation des données).")

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Répertoire contenant les fichiers XML de l'export AAF.")
        parser.add_argument("--academie", help="Code de l'académie de l'export, pour créer les écoles encore inconnues.")
        parser.add_argument("--dry-run", action="store_true", help="Tout vérifier et résumer sans rien écrire.")

    def handle(self, *args, directory, academie, dry_run, **options):
        run_import(self, import_aaf, directory, academie_code=academie, dry_run=dry_run)
