"""Shared printing of an import report by the import_* commands."""

from django.core.management.base import CommandError

from directory.importers import ImportFileError


def run_import(command, func, *args, **kwargs):
    """Call an importer; a malformed file becomes a CommandError naming the problem."""
    try:
        report = func(*args, **kwargs)
    except ImportFileError as exc:
        raise CommandError("Import refusé, rien n'a été écrit :\n" + "\n".join(f"  - {e}" for e in exc.errors)) from exc
    for line in report.lines():
        command.stdout.write(line)
    style = command.style.WARNING if report.rejected else command.style.SUCCESS
    command.stdout.write(style("Import terminé" + (" avec des rejets." if report.rejected else ".")))
    return report
