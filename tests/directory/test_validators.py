import pytest
from django.core.exceptions import ValidationError

from directory.validators import uai_check_letter, validate_siret, validate_uai


@pytest.mark.parametrize("uai", ["0060768C", "0341255E", "0342026T", "0061800Z", "0061114D", "0570098X"])
def test_real_uais_are_valid(uai):
    validate_uai(uai)
    validate_uai(uai.lower())  # case does not matter on input


@pytest.mark.parametrize("uai", ["6200001G", "7200009X"])
def test_corsica_uais_follow_the_same_rule(uai):
    # Corsica's département codes 2A/2B are written 620 / 720 in UAIs.
    assert uai_check_letter(uai[:7]) == uai[7]
    validate_uai(uai)


def test_wrong_check_letter_names_the_code_and_expected_letter():
    with pytest.raises(ValidationError) as exc:
        validate_uai("0060768D")
    message = exc.value.messages[0]
    assert "0060768D" in message and "C" in message
    assert exc.value.code == "uai_check_letter"


@pytest.mark.parametrize("bad", ["", "006076C", "0060768", "A060768C", "00607688C"])
def test_malformed_uai_is_refused(bad):
    with pytest.raises(ValidationError) as exc:
        validate_uai(bad)
    assert exc.value.code == "uai_format"


def test_check_letters_skip_i_o_q():
    letters = {uai_check_letter(f"{n:07d}") for n in range(23)}
    assert not letters & {"I", "O", "Q"}
    assert len(letters) == 23


def test_siret_luhn():
    validate_siret("21060161400014")
    validate_siret("732829320")  # a SIREN alone
    with pytest.raises(ValidationError):
        validate_siret("21060161400015")
    with pytest.raises(ValidationError):
        validate_siret("ABC")
