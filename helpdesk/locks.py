"""Moved to `core.locks` (apps import nothing from the project package); kept for older imports."""

from core.locks import advisory_lock, single_run, tick

__all__ = ["advisory_lock", "single_run", "tick"]
