"""Writes of the sla app: one function per action, atomic."""
