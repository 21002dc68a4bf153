"""Queries of a fixed shape on a hot path (every API request): the ORM builds the SQL once per database, and
each call runs it with its own values. Building a query costs more than running one by its key."""

from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class Prepared:
    sql: str
    compiler: SQLCompiler
    alias: str

    @classmethod
    def of(cls, queryset: QuerySet) -> "Prepared":
        """`queryset` built with placeholder values where each call's values go, in the same order."""
        compiler = queryset.query.get_compiler(queryset.db)
        return cls(compiler.as_sql()[0], compiler, queryset.db)

    def rows(self, params: list) -> list[tuple]:
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            return list(self.compiler.results_iter([cursor.fetchall()]))  # the ORM's own type conversions
