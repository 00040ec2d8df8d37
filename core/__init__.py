"""Shared core: the small pieces every app uses (append-only querysets, read-only admin, locks held
across processes, form errors from a service's ValidationError). It imports Django only, never an
app of the project (docs/architecture.md)."""
