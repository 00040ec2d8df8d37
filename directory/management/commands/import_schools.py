from django.core.management.base import BaseCommand

from directory.importers.schools import import_schools

from ._report import run_import


class Command(BaseCommand):
    help = "Importe l'export CSV « Annuaire de l'éducation » (séparateur « ; », UTF-8) : écoles mises à jour par UAI."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier CSV de l'Annuaire de l'éducation.")
        parser.add_argument("--create-academies", action="store_true",
                            help="Créer les académies inconnues (zone de vacances prise dans la table intégrée) au lieu de rejeter leurs lignes.")
        parser.add_argument("--strict", action="store_true", help="Au moindre rejet, ne rien écrire.")
        parser.add_argument("--dry-run", action="store_true", help="Tout vérifier et résumer sans rien écrire.")

    def handle(self, *args, file, create_academies, strict, dry_run, **options):
        run_import(self, import_schools, file, create_academies=create_academies, strict=strict, dry_run=dry_run)
