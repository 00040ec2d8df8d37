"""Journey (issue 19, outgoing): the school's director chooses a digest for their desk's mails; a
teacher's report then reaches the director in the app, not by an immediate mail, while the teacher
gets one mail for the burst of news on their request."""

import pytest

from tests.e2e.test_journeys import done, mails_to, report, seen, unique_title

pytestmark = [pytest.mark.browser, pytest.mark.product]


def test_director_chooses_a_digest_and_teacher_gets_one_mail(product, page_for):
    director = page_for("directeur")
    director.goto("/notifications/")
    director.get_by_role("link", name="Choisir comment recevoir mes courriels").click()
    director.wait_for_url("**/notifications/courriels/")
    page = seen(director)
    assert "Courriels de vos guichets" in page
    desk = director.locator("fieldset").first
    desk.get_by_label("Un résumé groupé").check()
    director.get_by_role("button", name="Enregistrer").click()
    done(director)
    assert director.locator("fieldset").first.get_by_label("Un résumé groupé").is_checked()

    teacher = page_for("enseignant")
    reference = report(teacher, unique_title("La messagerie n'affiche plus les pièces jointes"))

    # The teacher: one mail for the news of the first seconds (recorded, and whatever followed).
    mails = mails_to(product, "enseignant@example.org", reference)
    assert len(mails) == 1 and "est enregistrée" in mails[0][1], mails
    # The director: the bell, and no mail before the digest's hour.
    director.goto("/notifications/")
    assert reference in seen(director)
    assert mails_to(product, "directeur@example.org", reference, timeout=6) == []
