"""The API benchmarks' volume (bench/api_bench.py, bench/connection_bench.py --profile embedded,
bench/peer/ours_seed.py): `total` tickets of the demo world's École Bouissinet (0341255E),
bulk-inserted, a third each at the vendor ODE's level-3 desk, the ERUN Lattes desk and the school's
level-0 desk, most recently changed first by reference, with the vendor each one reached recorded
as the services' receiver would. Needs Django set up; no side effect at import."""

from django.utils import timezone

from tickets.models import Ticket, TicketVendorReach


def _insert(batch) -> None:
    Ticket.objects.bulk_create(batch)
    TicketVendorReach.objects.bulk_create(
        TicketVendorReach(ticket_id=t.pk, vendor_id=t.vendor_id, in_vendor_column=True) for t in batch if t.vendor_id)


def insert_tickets(world, total: int, batch_size: int = 5000) -> None:
    school, requester = world.schools["0341255E"], world.users["enseignant"]
    desks = [world.desks["ode"], world.desks["erun-lattes"], world.desks["n0-0341255E"]]
    now = timezone.now()
    batch = []
    for i in range(total):
        desk = desks[i % 3]
        batch.append(Ticket(
            reference=f"ENT-2025-{i + 1:06d}", school=school, requester=requester, title=f"Ticket {i}",
            description="Le cahier de textes ne s'ouvre plus depuis ce matin.", category="malfunction",
            level=desk.level, desk=desk, reached_vendor=desk.vendor_id is not None, vendor_id=desk.vendor_id,
            state="in_progress", created_at=now, updated_at=now - timezone.timedelta(seconds=i),
            convention=world.conventions["montpellier"]))
        if len(batch) == batch_size:
            _insert(batch)
            batch = []
    _insert(batch)
