"""The demo's review of the big authentication outage: held, two actions (one done), "(fictif)"."""

import pytest

from pilotage import demo, selectors
from pilotage.models import ActionStatus, Review

pytestmark = pytest.mark.django_db


def test_the_demo_reviews_its_authentication_outage(world, auth_outage):
    assert demo.seed_reviews(world) == 1
    review = Review.objects.get()
    assert review.incident.outage == auth_outage and "(fictif)" in review.incident.title and review.status == "held"
    statuses = sorted(review.actions.values_list("status", flat=True))
    assert statuses == sorted([ActionStatus.DONE, ActionStatus.TODO])
    assert all("(fictif)" in t for t in review.actions.values_list("title", flat=True))
    assert [a.title for a in selectors.open_actions(world.users["manager"])] == [
        "Procédure de bascule vers l'authentification de secours (fictif)"]
    assert "(fictif)" in review.minutes
