"""Access journal. `journal.record(request_or_actor, action, obj, interface)` writes one line."""


def record(*args, **kwargs):
    from .services import record as _record

    return _record(*args, **kwargs)
