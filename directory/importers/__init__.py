"""Importers of the directory: open-data school list, AAF exports, convention files.

Each importer is one atomic service function returning an `ImportReport`; the management commands
only parse their arguments and print the report. A malformed file raises `ImportFileError` before
anything is written; a rejected row is reported and skipped (or, with `strict`, aborts everything).
"""

from .base import ImportFileError, ImportReport, Rejection  # noqa: F401
