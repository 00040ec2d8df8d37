"""The product's settings plus one bench-only URL (bench/connection_urls.py): never used by the product."""

from helpdesk.settings import *  # noqa: F403

ROOT_URLCONF = "bench.connection_urls"
