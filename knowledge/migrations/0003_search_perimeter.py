"""The ticket's perimeter columns in each search entry (knowledge.search.TICKET_COLUMNS), indexed,
so a search filters the reader's perimeter in the index scan; existing entries are filled."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    from knowledge.search import sync_perimeter

    SearchEntry = apps.get_model("knowledge", "SearchEntry")
    sync_perimeter(SearchEntry.objects.all(), Ticket=apps.get_model("tickets", "Ticket"))


class Migration(migrations.Migration):

    dependencies = [
        ('knowledge', '0002_search_backends'),
        ('tickets', '0013_outside_convention'),
    ]

    operations = [
        migrations.AddField(
            model_name='searchentry',
            name='ticket_academie',
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='ticket_category',
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='ticket_circonscription',
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='ticket_collectivite',
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='ticket_desk',
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='ticket_reached_vendor',
            field=models.BooleanField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='ticket_region',
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='ticket_requester',
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='ticket_school',
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='ticket_state',
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='ticket_vendor',
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=models.Index(fields=['ticket_requester'], name='kb_entry_t_requester_idx'),
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=models.Index(fields=['ticket_school'], name='kb_entry_t_school_idx'),
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=models.Index(fields=['ticket_circonscription'], name='kb_entry_t_circonscription_idx'),
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=models.Index(fields=['ticket_academie'], name='kb_entry_t_academie_idx'),
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=models.Index(fields=['ticket_region'], name='kb_entry_t_region_idx'),
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=models.Index(fields=['ticket_collectivite'], name='kb_entry_t_collectivite_idx'),
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=models.Index(fields=['ticket_desk'], name='kb_entry_t_desk_idx'),
        ),
        migrations.AddIndex(
            model_name='searchentry',
            index=models.Index(fields=['ticket_vendor'], name='kb_entry_t_vendor_idx'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
