"""Request body parsers for the API: a body that cannot be parsed is the client's error (400), whatever
the reason it cannot be."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, which also refuses JSON nested deeper than Python's stack allows.

    The standard library's decoder recurses once per level and raises RecursionError (not ValueError)
    on `[[[[…`; DRF lets that through as a 500. Anything nested shallowly enough to parse is left to
    the serializers, which refuse a list or an object where they expect a value.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
        if _has_nul(data):
            # No text field takes it, and PostgreSQL refuses it in any query: a lookup by code would fail
            # deep in the database (500) instead of here.
            raise ParseError("JSON parse error - text may not contain the NUL character (\\u0000).")
        return data


def _has_nul(value) -> bool:
    """Whether any string in the parsed body (keys included) holds a NUL; a loop, not recursion, so a
    body nested as deep as the decoder allows is still walked."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
