# Every vendor whose desk a ticket reached (tickets.access: what a vendor may read).

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    # From the timeline (every event records the desk the ticket was at) and the current desk.
    Ticket = apps.get_model("tickets", "Ticket")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    Reach = apps.get_model("tickets", "TicketVendorReach")
    pairs = set(TicketEvent.objects.filter(to_desk__vendor__isnull=False)
                .values_list("ticket_id", "to_desk__vendor_id").distinct().iterator(chunk_size=5000))
    pairs |= set(Ticket.objects.filter(desk__vendor__isnull=False).values_list("pk", "desk__vendor_id").iterator(chunk_size=5000))
    pairs |= set(Ticket.objects.filter(vendor__isnull=False).values_list("pk", "vendor_id").iterator(chunk_size=5000))
    first = dict(Ticket.objects.filter(vendor__isnull=False).values_list("pk", "vendor_id").iterator(chunk_size=5000))
    Reach.objects.bulk_create([Reach(ticket_id=t, vendor_id=v, in_vendor_column=first.get(t) == v) for t, v in sorted(pairs)],
                              batch_size=5000)


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0002_verbose_names_fr'),
        ('tickets', '0008_verbose_names_fr'),
    ]

    operations = [
        migrations.CreateModel(
            name='TicketVendorReach',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='vendor_reach', to='tickets.ticket', verbose_name='demande')),
                ('vendor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.vendor', verbose_name='éditeur')),
                ('in_vendor_column', models.BooleanField(default=False, editable=False, verbose_name='éditeur saisi en premier')),
            ],
            options={
                'verbose_name': 'éditeur saisi de la demande',
                'verbose_name_plural': 'éditeurs saisis des demandes',
                'indexes': [models.Index(condition=models.Q(('in_vendor_column', False)), fields=['vendor', 'ticket'], name='ticket_vendor_handover_idx')],
                'constraints': [models.UniqueConstraint(fields=('ticket', 'vendor'), name='ticket_vendor_reach_once')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
