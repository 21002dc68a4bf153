"""One table of a page shown a page at a time (`?<param>=N`), beside other tables with pages of their own."""

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

TABLE_PAGE = 50  # rows of a table per page: a plan of hundreds of items or a team of thousands stays quick


def paged(request: HttpRequest | None, rows, param: str, *, size: int = TABLE_PAGE, anchor: str = "") -> Page:
    """The page `?<param>=` asks for (the first without a request), with `pager`: links to its previous
    and next pages that keep the rest of the query (the other tables' pages, a chosen KPI or quarter) and
    lead back to the table (`#<anchor>`, by default the param without `_page`); None on a single page."""
    page = Paginator(rows, size).get_page(request.GET.get(param) if request else 1)
    page.pager = None
    if request is not None and page.paginator.num_pages > 1:
        target = anchor or param.removesuffix("_page")

        def link(number: int) -> str:
            query = request.GET.copy()
            query[param] = number
            return f"?{query.urlencode()}#{target}"

        page.pager = {
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "next": link(page.next_page_number()) if page.has_next() else None,
        }
    return page
