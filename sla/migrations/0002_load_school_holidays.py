"""Load the shipped snapshot of fr-en-calendrier-scolaire (works offline)."""

from django.db import migrations


def load(apps, schema_editor):
    from sla.school_holidays import snapshot_rows

    SchoolHoliday = apps.get_model("sla", "SchoolHoliday")
    for row in snapshot_rows():
        SchoolHoliday.objects.update_or_create(
            zone=row.zone, school_year=row.school_year, description=row.description,
            defaults={"starts_on": row.starts_on, "ends_on": row.ends_on, "population": row.population,
                      "source": "snapshot sla/data/calendrier_scolaire.csv"},
        )


def unload(apps, schema_editor):
    apps.get_model("sla", "SchoolHoliday").objects.filter(source__startswith="snapshot").delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
