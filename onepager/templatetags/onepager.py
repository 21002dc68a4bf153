"""The one-pager's text filter: a hyphenated word is never broken after its hyphen."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()
HYPHENATED = re.compile(r"\S*\w-\w\S*")


@register.filter
def unbroken(text: object) -> SafeString:
    """The text, escaped, with each hyphenated word kept on one line: a line break after 'co-' would
    make readers' tools (pdftotext, copy and paste) join the halves as 'coselling'."""
    return mark_safe(HYPHENATED.sub(lambda m: f'<span class="nobr">{m.group(0)}</span>', escape(text)))
