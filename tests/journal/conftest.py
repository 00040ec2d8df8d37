from tests.security.conftest import ge_teacher, ge_ticket, mtp_ticket, u  # noqa: F401 - shared fixtures
