"""The API's JSON parser: a body nested too deep, or holding a NUL character, is a 400.

json.load recurses once per level: 10 kB of "[" is a RecursionError (a 500 with DRF's parser,
which only catches ValueError). No payload of the API nests more than a few levels; PostgreSQL
refuses NUL in text, so a NUL in any string would be a 500 at the first save or lookup.
"""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


def _check(data) -> None:
    """Depth and NUL checks without recursion (the payload may be deeper than the stack)."""
    stack = [(data, 1, "")]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ParseError(_("caractère nul refusé dans « %(field)s ».") % {"field": where or "corps"})
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise ParseError(_("JSON imbriqué sur plus de %(max)d niveaux.") % {"max": MAX_DEPTH})
        if isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    raise ParseError(_("caractère nul refusé dans un nom de champ."))
                stack.append((item, depth + 1, f"{where}.{key}" if where else key))
        else:
            stack.extend((item, depth + 1, f"{where}[{i}]") for i, item in enumerate(value))


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON imbriqué sur plus de %(max)d niveaux.") % {"max": MAX_DEPTH}) from None
        _check(data)
        return data
