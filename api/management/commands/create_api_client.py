import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from directory.models import Desk, Vendor

from ... import conf
from ...services import create_api_client


class Command(BaseCommand):
    help = "Crée un client d'API OAuth2 (client credentials) pour un éditeur ou un guichet ; affiche le secret une seule fois."

    def add_arguments(self, parser):
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument("--vendor", metavar="SLUG", help="identifiant de l'éditeur")
        owner.add_argument("--desk", metavar="ID", help="identifiant numérique ou slug du guichet")
        parser.add_argument("--scopes", required=True, help=f'ex. "{" ".join(conf.SCOPES)}"')
        parser.add_argument("--name", default="")
        parser.add_argument("--owner-email", default="")

    def handle(self, *args, vendor=None, desk=None, scopes="", name="", owner_email="", **options):
        vendor_obj = desk_obj = None
        if vendor:
            vendor_obj = Vendor.objects.filter(slug=vendor).first()
            if vendor_obj is None:
                raise CommandError(f"--vendor: aucun éditeur « {vendor} »")
        else:
            lookup = {"pk": int(desk)} if desk.isdigit() else {"slug": desk}
            desk_obj = Desk.objects.filter(**lookup).first()
            if desk_obj is None:
                raise CommandError(f"--desk: aucun guichet « {desk} »")
        try:
            client, secret = create_api_client(vendor=vendor_obj, desk=desk_obj, scopes=scopes, name=name, owner_email=owner_email)
        except ValidationError as exc:
            raise CommandError("; ".join(f"--{k}: {' '.join(v)}" for k, v in exc.message_dict.items()) if hasattr(exc, "error_dict") else " ".join(exc.messages))
        self.stdout.write(json.dumps({
            "client_id": client.application.client_id,
            "client_secret": secret,
            "token_url": conf.base_url() + reverse("api:token"),
        }))
