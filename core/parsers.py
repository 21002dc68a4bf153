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
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
