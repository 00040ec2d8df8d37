"""Time `import_schools` on a realistic 66,000-row "Annuaire de l'éducation" file.

Usage: `.venv/bin/python bench/import_schools_bench.py [rows]` (default 66000). Runs in a throw-away
SQLite database (embedded profile) under a temporary directory; prints the time of a first import
(everything created), a second identical run (all unchanged) and a run where 10 % of rows changed.
"""

import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.TemporaryDirectory(prefix="bench-import-schools-")
os.environ["HELPDESK_DATA_DIR"] = TMP.name
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from directory.importers.academies import ACADEMIES  # noqa: E402
from directory.importers.schools import import_schools  # noqa: E402
from directory.models import School  # noqa: E402
from directory.validators import uai_check_letter  # noqa: E402

HEADER = [
    "Identifiant_de_l_etablissement", "Nom_etablissement", "Type_etablissement", "Statut_public_prive",
    "Adresse_1", "Code_postal", "Code_commune", "Nom_commune", "Code_departement", "Code_academie",
    "Code_region", "Ecole_maternelle", "Ecole_elementaire", "Libelle_academie", "nom_circonscription",
    "SIREN_SIRET", "Mail", "Telephone", "latitude", "longitude",
]
TYPES = [("Ecole", 0.74), ("Collège", 0.11), ("Lycée", 0.07), ("Médico-social", 0.05), ("Information et orientation", 0.03)]
NAMES = ["Jean Moulin", "Jules Ferry", "Victor Hugo", "Louis Pasteur", "Marie Curie", "Jean Jaurès", "Les Tilleuls", "Le Bourg", "Françoise Dolto", "Paul Bert"]


def generate(path: Path, n: int, seed: int = 2) -> None:
    rnd = random.Random(seed)
    academies = sorted(ACADEMIES)
    used = set()
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, delimiter=";")
        out.writerow(HEADER)
        while len(used) < n:
            dept = rnd.randint(1, 95)
            academie = academies[dept % len(academies)]  # a département belongs to one académie
            first7 = f"{dept:03d}{rnd.randint(0, 9999):04d}"
            if first7 in used:
                continue
            used.add(first7)
            uai = first7 + uai_check_letter(first7)
            kind = rnd.choices([t for t, _ in TYPES], weights=[w for _, w in TYPES])[0]
            mat, elem = rnd.choice([("1", "0"), ("0", "1"), ("1", "1")]) if kind == "Ecole" else ("0", "0")
            commune = f"{dept:02d}{rnd.randint(1, 700):03d}"
            circ = f"Circonscription {dept:02d}-{rnd.randint(1, 12)}" if kind == "Ecole" else ""
            out.writerow([
                uai, f"{kind} {rnd.choice(NAMES)} {len(used)}", kind, "Public", "1 rue de l'École", f"{dept:02d}000",
                commune, f"Commune {commune}", f"{dept:03d}", academie, "84", mat, elem, ACADEMIES[academie][0],
                circ, "", f"ce.{uai.lower()}@ac-exemple.fr", "0400000000", "43.5", "3.8",
            ])


def modify(src: Path, dst: Path, share: float) -> None:
    rnd = random.Random(7)
    with src.open(encoding="utf-8-sig", newline="") as fh, dst.open("w", encoding="utf-8", newline="") as out:
        reader, writer = csv.reader(fh, delimiter=";"), csv.writer(out, delimiter=";")
        writer.writerow(next(reader))
        for row in reader:
            if rnd.random() < share:
                row[1] += " (renommé)"
            writer.writerow(row)


def timed(label, path):
    start = time.perf_counter()
    report = import_schools(path, create_academies=True)
    elapsed = time.perf_counter() - start
    print(f"{label:<38} {elapsed:6.2f} s   created={report.get('école', 'created')} "
          f"updated={report.get('école', 'updated')} unchanged={report.get('école', 'unchanged')} rejected={len(report.rejected)}")
    return elapsed


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 66000
    call_command("migrate", verbosity=0)
    base = Path(TMP.name)
    full, changed = base / "annuaire.csv", base / "annuaire-modifie.csv"
    generate(full, n)
    modify(full, changed, 0.10)
    print(f"rows={n} file={full.stat().st_size / 1e6:.1f} MB database=SQLite (WAL) in {TMP.name}")
    timed("first import (all created)", full)
    timed("second import (all unchanged)", full)
    timed("third import (10 % renamed)", changed)
    print(f"schools in database: {School.objects.count()}")


if __name__ == "__main__":
    main()
