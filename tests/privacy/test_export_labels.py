"""The personal-data page reads in French: words for codes, dates as 02/12/2026 15:35, no "None"."""

import re

from django.urls import reverse


def test_export_page_in_french(login, world):
    client = login("enseignant")
    client.get(reverse("privacy:my_data"))  # a first export: journaled, listed by the second
    body = client.get(reverse("privacy:my_data")).content.decode()
    main = re.sub(r"<[^>]+>", " ", body[body.index("<h1"):body.index("</main>") if "</main>" in body else None])
    assert "Personne enseignant" in main and "person enseignant" not in main
    assert "None" not in main
    assert "Autorisé" in main  # the outcome, in words
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", main)  # no ISO dates on the page
