"""The menu offers each person the pages their roles open, and no other."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username, shown", [("collectivite", True), ("principal", True), ("manager", True),
                                              ("enseignant", False)])
def test_the_charter_is_in_the_menu_of_its_parties(client, world, username, shown):
    client.force_login(world.users[username])
    page = client.get(reverse("home")).content.decode()
    assert (f'href="{reverse("web:charter_list")}"' in page) is shown
    if shown:
        assert client.get(reverse("web:charter_list")).status_code == 200
