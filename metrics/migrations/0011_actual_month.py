"""ActualMonth: the actuals summed by KPI, unit, seller and calendar month, kept by database triggers on
metrics_actual (statement-level with transition tables on PostgreSQL, row-level on SQLite), so that every
write — importer, API, manual entry, cascade, raw SQL — keeps it equal to the rows it sums."""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models

KEY = "kpi_id, org_unit_id, seller_id"
COLUMNS = f"{KEY}, month, total, count, first_date, last_date"

# --- PostgreSQL: one trigger per event, each once per statement over the rows it changed ---------------

MONTH = "date_trunc('month', date)::date"
SAME = (  # a monthly row `m` and a group `g` of the changed rows
    "m.kpi_id = g.kpi_id AND m.org_unit_id = g.org_unit_id "
    "AND COALESCE(m.seller_id, 0) = COALESCE(g.seller_id, 0) AND m.month = g.month"
)


def _pg_groups(rows: str) -> str:
    return (
        f"SELECT {KEY}, {MONTH} AS month, SUM(value) AS total, COUNT(*) AS count, MIN(date) AS first_date, "
        f"MAX(date) AS last_date FROM {rows} GROUP BY {KEY}, {MONTH}"
    )


def _pg_day(fn: str, m: str = "m") -> str:
    """The first or last day left in the month of `m`, read through the index that leads to its seller's
    (or its unit's own) days: a few index entries, whatever the size of the unit."""
    days = f"a.date >= {m}.month AND a.date < ({m}.month + INTERVAL '1 month')::date"
    return (
        f"CASE WHEN {m}.seller_id IS NULL THEN (SELECT {fn}(a.date) FROM metrics_actual a "
        f"WHERE a.kpi_id = {m}.kpi_id AND a.org_unit_id = {m}.org_unit_id AND a.seller_id IS NULL "
        f"AND {days}) "
        f"ELSE (SELECT {fn}(a.date) FROM metrics_actual a WHERE a.kpi_id = {m}.kpi_id "
        f"AND a.seller_id IS NOT NULL AND a.seller_id = {m}.seller_id AND a.org_unit_id = {m}.org_unit_id "
        f"AND {days}) END"
    )


def _pg_add(rows: str) -> str:
    return f"""
    INSERT INTO metrics_actualmonth ({COLUMNS})
    SELECT {KEY}, month, total, count, first_date, last_date FROM ({_pg_groups(rows)}) g
    ON CONFLICT (kpi_id, org_unit_id, (COALESCE(seller_id, 0)), month) DO UPDATE SET
        total = metrics_actualmonth.total + EXCLUDED.total,
        count = metrics_actualmonth.count + EXCLUDED.count,
        first_date = LEAST(metrics_actualmonth.first_date, EXCLUDED.first_date),
        last_date = GREATEST(metrics_actualmonth.last_date, EXCLUDED.last_date);"""


def _pg_subtract(rows: str) -> str:
    """Take `rows` out of their months: a month left empty goes; one that lost its first or last day
    reads the new one."""
    return f"""
    DELETE FROM metrics_actualmonth m USING ({_pg_groups(rows)}) g WHERE {SAME} AND m.count <= g.count;
    UPDATE metrics_actualmonth m SET
        total = m.total - g.total,
        count = m.count - g.count,
        first_date = CASE WHEN g.first_date > m.first_date THEN m.first_date ELSE {_pg_day("MIN")} END,
        last_date = CASE WHEN g.last_date < m.last_date THEN m.last_date ELSE {_pg_day("MAX")} END
      FROM ({_pg_groups(rows)}) g WHERE {SAME};"""


PG_FORWARD = f"""
CREATE FUNCTION metrics_actualmonth_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_pg_add("new_rows")}
    RETURN NULL;
END $$;

-- An update that keeps every row's KPI, unit, seller and date (a new value) moves only the sums; one that
-- moves a row takes the old rows out of their months and adds the new ones.
CREATE FUNCTION metrics_actualmonth_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
         WHERE (o.kpi_id, o.org_unit_id, o.seller_id, o.date) IS DISTINCT FROM
               (n.kpi_id, n.org_unit_id, n.seller_id, n.date)
    ) THEN
        UPDATE metrics_actualmonth m SET total = m.total + g.delta
          FROM (SELECT n.kpi_id, n.org_unit_id, n.seller_id, date_trunc('month', n.date)::date AS month,
                       SUM(n.value - o.value) AS delta
                  FROM new_rows n JOIN old_rows o ON o.id = n.id
                 GROUP BY 1, 2, 3, 4 HAVING SUM(n.value - o.value) <> 0) g
         WHERE {SAME};
        RETURN NULL;
    END IF;
    {_pg_subtract("old_rows")}
    {_pg_add("new_rows")}
    RETURN NULL;
END $$;

CREATE FUNCTION metrics_actualmonth_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_pg_subtract("old_rows")}
    RETURN NULL;
END $$;

CREATE TRIGGER metrics_actualmonth_add AFTER INSERT ON metrics_actual
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics_actualmonth_add();
CREATE TRIGGER metrics_actualmonth_change AFTER UPDATE ON metrics_actual
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION metrics_actualmonth_change();
CREATE TRIGGER metrics_actualmonth_remove AFTER DELETE ON metrics_actual
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics_actualmonth_remove();

INSERT INTO metrics_actualmonth ({COLUMNS}) {_pg_groups("metrics_actual")};
"""

PG_BACKWARD = """
DROP TRIGGER metrics_actualmonth_add ON metrics_actual;
DROP TRIGGER metrics_actualmonth_change ON metrics_actual;
DROP TRIGGER metrics_actualmonth_remove ON metrics_actual;
DROP FUNCTION metrics_actualmonth_add();
DROP FUNCTION metrics_actualmonth_change();
DROP FUNCTION metrics_actualmonth_remove();
"""

# --- SQLite (the embedded default): row-level triggers ------------------------------------------------


SQLITE_ADD = f"""
    INSERT INTO metrics_actualmonth ({COLUMNS})
    VALUES (NEW.kpi_id, NEW.org_unit_id, NEW.seller_id, date(NEW.date, 'start of month'), NEW.value, 1,
            NEW.date, NEW.date)
    ON CONFLICT (kpi_id, org_unit_id, COALESCE(seller_id, 0), month) DO UPDATE SET
        total = total + excluded.total, count = count + 1,
        first_date = min(first_date, excluded.first_date), last_date = max(last_date, excluded.last_date);"""

_OLD = (
    "kpi_id = OLD.kpi_id AND org_unit_id = OLD.org_unit_id AND seller_id IS OLD.seller_id "
    "AND month = date(OLD.date, 'start of month')"
)


def _sqlite_day(fn: str) -> str:
    return (
        f"(SELECT {fn}(a.date) FROM metrics_actual a WHERE a.kpi_id = OLD.kpi_id "
        "AND a.org_unit_id = OLD.org_unit_id AND a.seller_id IS OLD.seller_id "
        "AND a.date >= date(OLD.date, 'start of month') "
        "AND a.date < date(OLD.date, 'start of month', '+1 month'))"
    )


# Take the OLD row out of its month: an empty month goes; one that lost its first or last day reads it.
SQLITE_SUBTRACT = f"""
    DELETE FROM metrics_actualmonth WHERE {_OLD} AND count <= 1;
    UPDATE metrics_actualmonth SET total = total - OLD.value, count = count - 1,
        first_date = CASE WHEN first_date < OLD.date THEN first_date ELSE {_sqlite_day("MIN")} END,
        last_date = CASE WHEN last_date > OLD.date THEN last_date ELSE {_sqlite_day("MAX")} END
     WHERE {_OLD};"""

SQLITE_FORWARD = [
    f"CREATE TRIGGER metrics_actualmonth_add AFTER INSERT ON metrics_actual BEGIN {SQLITE_ADD} END",
    f"""CREATE TRIGGER metrics_actualmonth_change AFTER UPDATE ON metrics_actual BEGIN
    {SQLITE_SUBTRACT}
    {SQLITE_ADD}
    END""",
    f"CREATE TRIGGER metrics_actualmonth_remove AFTER DELETE ON metrics_actual BEGIN {SQLITE_SUBTRACT} END",
    f"""INSERT INTO metrics_actualmonth ({COLUMNS})
    SELECT {KEY}, date(date, 'start of month'), SUM(value), COUNT(*), MIN(date), MAX(date)
      FROM metrics_actual GROUP BY {KEY}, date(date, 'start of month')""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER metrics_actualmonth_add",
    "DROP TRIGGER metrics_actualmonth_change",
    "DROP TRIGGER metrics_actualmonth_remove",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        found = statements.get(schema_editor.connection.vendor)
        if found is None:
            raise NotImplementedError(f"No actuals triggers for {schema_editor.connection.vendor}.")
        with schema_editor.connection.cursor() as cursor:
            for sql in [found] if isinstance(found, str) else found:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0010_pull_sources_and_pipeline"),
        ("orgs", "0002_years_in_range"),
    ]

    operations = [
        migrations.CreateModel(
            name="ActualMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(help_text="The month's first day.")),
                ("total", models.DecimalField(decimal_places=4, max_digits=28)),
                ("count", models.PositiveIntegerField()),
                ("first_date", models.DateField()),
                ("last_date", models.DateField()),
                (
                    "kpi",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="metrics.kpi",
                    ),
                ),
                (
                    "org_unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="orgs.orgunit"
                    ),
                ),
                (
                    "seller",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="orgs.seller",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        models.F("kpi"),
                        models.F("org_unit"),
                        django.db.models.functions.comparison.Coalesce("seller", 0),
                        models.F("month"),
                        name="actualmonth_key",
                    )
                ],
            },
        ),
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
