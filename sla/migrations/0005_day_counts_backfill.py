from django.db import migrations


def backfill(apps, schema_editor):
    from sla import rollup

    rollup.rebuild(apps.get_model("tickets", "Ticket"), apps.get_model("directory", "Desk"),
                   apps.get_model("sla", "Clock"), apps.get_model("sla", "DayCount"))


class Migration(migrations.Migration):
    dependencies = [("sla", "0004_day_counts"), ("tickets", "0006_vendor_updated_index"), ("directory", "0001_initial")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
