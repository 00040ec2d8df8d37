def test_home_page_is_french(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="fr"' in response.content.decode()
    assert "Assistance" in response.content.decode()


def test_admin_login_page(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 200


def test_healthz(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_demo_users_can_sign_in(client, world):
    from tests.conftest import DEMO_PASSWORD

    response = client.post("/connexion/", {"username": "enseignant", "password": DEMO_PASSWORD})
    assert response.status_code == 302
