"""Foreign keys checked once per statement instead of once per row, on PostgreSQL.

PostgreSQL checks a foreign key with one trigger call and one index probe per inserted row; a load of
500,000 actuals with four references spent more time in those 2,000,000 checks than in writing the rows.
Here a table's references are checked by statement-level triggers over the statement's changed rows (a
transition table): each distinct referenced id is locked FOR KEY SHARE — the lock PostgreSQL's own check
takes — and one missing is a foreign_key_violation (an IntegrityError in Django) naming the table, column
and id. On the referenced side, a statement that deletes rows still referenced fails the same way (the
application deletes or nulls the references first: on_delete runs in Django's collector).

The guarantee is the foreign key's: a reference is present when the statement ends, and stays present
until the transaction ends (a concurrent delete waits on the lock; after it, its own check sees the new
rows). That last step holds under READ COMMITTED, the isolation every connection of the application uses:
under REPEATABLE READ a delete's check would read its transaction's snapshot, where PostgreSQL's own check
reads the latest. Not covered: changing a referenced row's id, which the application never does.

`operation` is the migration: the model state marks the fields db_constraint=False; on PostgreSQL their
foreign key constraints give way to the triggers (`forward`, `backward`); SQLite keeps its foreign keys,
whose check is an index probe with no trigger call.
"""

from dataclasses import dataclass

from django.db import migrations


@dataclass(frozen=True)
class Reference:
    column: str  # on the referencing table, e.g. kpi_id
    table: str  # the referenced table, by its id column


def _check(table: str, ref: Reference) -> str:
    return f"""
    WITH refs AS (SELECT DISTINCT {ref.column} AS id FROM new_rows WHERE {ref.column} IS NOT NULL),
         locked AS (SELECT t.id FROM {ref.table} t JOIN refs USING (id) FOR KEY SHARE OF t)
    SELECT id INTO missing FROM refs WHERE id NOT IN (SELECT id FROM locked) LIMIT 1;
    IF FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'insert or update on table "{table}" violates its reference {ref.column}',
            DETAIL = format('Key ({ref.column})=(%s) is not present in table "{ref.table}".', missing);
    END IF;"""


def _name(table: str, ref: Reference) -> str:
    return f"{table}_{ref.column}_gone"


def forward(table: str, references: list[Reference]) -> str:
    checks = "".join(_check(table, ref) for ref in references)
    columns = ", ".join(f"'{ref.column}'" for ref in references)
    sql = f"""
DO $$ DECLARE c record; BEGIN
    FOR c IN SELECT conname FROM pg_constraint k JOIN pg_attribute a
                ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
              WHERE k.conrelid = '{table}'::regclass AND k.contype = 'f' AND a.attname IN ({columns}) LOOP
        EXECUTE format('ALTER TABLE {table} DROP CONSTRAINT %I', c.conname);
    END LOOP;
END $$;
CREATE FUNCTION {table}_refs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE missing bigint;
BEGIN{checks}
    RETURN NULL;
END $$;
CREATE TRIGGER {table}_refs_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_refs();
CREATE TRIGGER {table}_refs_update AFTER UPDATE ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_refs();
"""
    for ref in references:
        name = _name(table, ref)
        sql += f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE kept bigint;
BEGIN
    SELECT o.id INTO kept FROM old_rows o WHERE EXISTS (SELECT FROM {table} t WHERE t.{ref.column} = o.id)
     LIMIT 1;
    IF FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'delete on table "{ref.table}" violates the reference {ref.column} of "{table}"',
            DETAIL = format('Key (id)=(%s) is still referenced from table "{table}".', kept);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER {name} AFTER DELETE ON {ref.table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""
    return sql


def backward(table: str, references: list[Reference]) -> str:
    sql = f"DROP FUNCTION {table}_refs() CASCADE;\n"
    for ref in references:
        sql += (
            f"DROP FUNCTION {_name(table, ref)}() CASCADE;\n"
            f"ALTER TABLE {table} ADD CONSTRAINT {table}_{ref.column}_fk FOREIGN KEY ({ref.column}) "
            f"REFERENCES {ref.table} (id) DEFERRABLE INITIALLY DEFERRED;\n"
        )
    return sql


def operation(
    table: str, references: list[Reference], state_operations: list
) -> migrations.SeparateDatabaseAndState:
    def on_postgresql(sql: str):
        def run(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                with schema_editor.connection.cursor() as cursor:
                    cursor.execute(sql)

        return run

    return migrations.SeparateDatabaseAndState(
        state_operations=state_operations,
        database_operations=[
            migrations.RunPython(
                on_postgresql(forward(table, references)), on_postgresql(backward(table, references))
            )
        ],
    )
