"""The `data_subject_requests` key of a convention file: each problem named by its path."""

import pytest
import yaml

from directory.importers.base import ImportFileError
from directory.importers.conventions import import_convention

from .conftest import EXAMPLES


def _with(tmp_path, dsr):
    data = yaml.safe_load((EXAMPLES / "poitiers-vienne-ecoles.yaml").read_text(encoding="utf-8"))
    data["data_subject_requests"] = dsr
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("dsr,where", [
    ({"rules": [{"controller": "mairie", "why": "art. 5"}]}, "data_subject_requests.rules[0].controller"),
    ({"rules": [{"controller": "academie"}]}, "data_subject_requests.rules[0].why"),
    ({"rules": [{"scope": "classe", "controller": "academie", "why": "x"}]}, "data_subject_requests.rules[0].scope"),
    ({"modules": [{"slug": "m", "name": "M", "owner": "mairie"}]}, "data_subject_requests.modules[0].owner"),
    ({"forward_within_days": -1}, "data_subject_requests.forward_within_days"),
    ({"forward_within_days": "immédiatement"}, "data_subject_requests.forward_within_days"),
    ({"delai": 8}, "data_subject_requests : clé(s) inconnue(s)"),
])
def test_bad_rule_sets_are_refused_by_path(db, tmp_path, dsr, where):
    with pytest.raises(ImportFileError) as exc:
        import_convention(_with(tmp_path, dsr))
    assert where in str(exc.value)


def test_reimport_is_unchanged(db):
    import_convention(EXAMPLES / "poitiers-vienne-ecoles.yaml")
    report = import_convention(EXAMPLES / "poitiers-vienne-ecoles.yaml")
    assert report.get("règles des demandes de droits", "unchanged") == 1
