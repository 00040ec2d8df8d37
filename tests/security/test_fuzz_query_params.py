"""Hypothesis fuzzing of the query parameters of the main GET pages: whatever the query string,
the answer is never a 5xx (issue 16, item 7)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

# (demo user, page, the parameters the page reads)
PAGES = [
    ("enseignant", "/", []),
    ("enseignant", "/mes-demandes/", ["voir"]),
    ("enseignant", "/signaler/similaires/", ["school"]),
    ("erun", "/guichets/erun-lattes/", ["etat", "priorite", "categorie", "pris", "q", "tri", "page"]),
    ("manager", "/pilotage/", ["du", "au", "academie", "convention", "circonscription", "guichet"]),
    ("manager", "/pilotage/export/services.csv", ["du", "au", "academie", "guichet"]),
    ("dpo", "/journal-des-acces/", ["q", "interface", "action", "outcome", "object_type", "since", "until"]),
    ("admin", "/journal-des-acces/", ["q", "since", "until"]),
]

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)  # surrogates cannot be encoded
values = st.one_of(
    text,
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.dates().map(str),
    st.sampled_from(["²", "١٢", "0", "-1", "9999-12-31", "0001-01-01", "tous", "moi", "personne", "sla", "\x00",
                     "1e309", "NaN", " 1", "%00", "'; --"]),
)


@st.composite
def requests(draw):
    username, path, names = draw(st.sampled_from(PAGES))
    keys = st.sampled_from(names) | text if names else text
    return username, path, draw(st.dictionaries(keys, values, max_size=4))


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=requests())
def test_no_query_string_makes_a_main_page_fail(client, world, case):
    username, path, params = case
    client.force_login(world.users[username])
    response = client.get(path, params)
    assert response.status_code < 500, (path, params)
