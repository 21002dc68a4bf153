"""ActualMonth: the actuals summed by KPI, unit, seller and calendar month, kept by database triggers on
metrics_actual (statement-level with transition tables on PostgreSQL, row-level on SQLite), so that every
write — importer, API, manual entry, cascade, raw SQL — keeps it equal to the rows it sums."""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models

KEY = "kpi_id, org_unit_id, seller_id"
COLUMNS = f"{KEY}, month, total, count, first_date, last_date"

# --- PostgreSQL: one trigger per event, each once per statement over the rows it changed ---------------


def _pg_redo(keys: str) -> str:
    """Work the months `keys` selects out again from the rows, each found through the unique index that
    leads to its seller's (or its unit's own) days."""
    month_end = "(k.month + INTERVAL '1 month')::date"
    return f"""
    WITH keys AS ({keys})
    DELETE FROM metrics_actualmonth m USING keys k
     WHERE m.kpi_id = k.kpi_id AND m.org_unit_id = k.org_unit_id
       AND COALESCE(m.seller_id, 0) = COALESCE(k.seller_id, 0) AND m.month = k.month;
    WITH keys AS ({keys})
    INSERT INTO metrics_actualmonth ({COLUMNS})
    SELECT a.kpi_id, a.org_unit_id, a.seller_id, k.month, SUM(a.value), COUNT(*), MIN(a.date), MAX(a.date)
      FROM keys k JOIN metrics_actual a
        ON a.kpi_id = k.kpi_id AND a.seller_id IS NOT NULL AND a.seller_id = k.seller_id
       AND a.org_unit_id = k.org_unit_id AND a.date >= k.month AND a.date < {month_end}
     GROUP BY a.kpi_id, a.org_unit_id, a.seller_id, k.month
    UNION ALL
    SELECT a.kpi_id, a.org_unit_id, NULL, k.month, SUM(a.value), COUNT(*), MIN(a.date), MAX(a.date)
      FROM keys k JOIN metrics_actual a
        ON a.kpi_id = k.kpi_id AND a.seller_id IS NULL AND k.seller_id IS NULL
       AND a.org_unit_id = k.org_unit_id AND a.date >= k.month AND a.date < {month_end}
     GROUP BY a.kpi_id, a.org_unit_id, k.month;"""


OLD_KEYS = f"SELECT DISTINCT {KEY}, date_trunc('month', date)::date AS month FROM old_rows"
NEW_KEYS = f"SELECT DISTINCT {KEY}, date_trunc('month', date)::date AS month FROM new_rows"

PG_FORWARD = f"""
CREATE FUNCTION metrics_actualmonth_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO metrics_actualmonth ({COLUMNS})
    SELECT {KEY}, date_trunc('month', date)::date, SUM(value), COUNT(*), MIN(date), MAX(date)
      FROM new_rows GROUP BY {KEY}, date_trunc('month', date)::date
    ON CONFLICT (kpi_id, org_unit_id, (COALESCE(seller_id, 0)), month) DO UPDATE SET
        total = metrics_actualmonth.total + EXCLUDED.total,
        count = metrics_actualmonth.count + EXCLUDED.count,
        first_date = LEAST(metrics_actualmonth.first_date, EXCLUDED.first_date),
        last_date = GREATEST(metrics_actualmonth.last_date, EXCLUDED.last_date);
    RETURN NULL;
END $$;

-- An update that keeps every row's KPI, unit, seller and date (a new value) moves only the sums; one that
-- moves a row works its months out again from the rows.
CREATE FUNCTION metrics_actualmonth_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
         WHERE (o.kpi_id, o.org_unit_id, o.seller_id, o.date) IS DISTINCT FROM
               (n.kpi_id, n.org_unit_id, n.seller_id, n.date)
    ) THEN
        UPDATE metrics_actualmonth m SET total = m.total + d.delta
          FROM (SELECT n.kpi_id, n.org_unit_id, n.seller_id, date_trunc('month', n.date)::date AS month,
                       SUM(n.value - o.value) AS delta
                  FROM new_rows n JOIN old_rows o ON o.id = n.id
                 GROUP BY 1, 2, 3, 4 HAVING SUM(n.value - o.value) <> 0) d
         WHERE m.kpi_id = d.kpi_id AND m.org_unit_id = d.org_unit_id
           AND COALESCE(m.seller_id, 0) = COALESCE(d.seller_id, 0) AND m.month = d.month;
        RETURN NULL;
    END IF;
    {_pg_redo(f"{OLD_KEYS} UNION {NEW_KEYS}")}
    RETURN NULL;
END $$;

CREATE FUNCTION metrics_actualmonth_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_pg_redo(OLD_KEYS)}
    RETURN NULL;
END $$;

CREATE TRIGGER metrics_actualmonth_add AFTER INSERT ON metrics_actual
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics_actualmonth_add();
CREATE TRIGGER metrics_actualmonth_change AFTER UPDATE ON metrics_actual
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION metrics_actualmonth_change();
CREATE TRIGGER metrics_actualmonth_remove AFTER DELETE ON metrics_actual
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics_actualmonth_remove();

INSERT INTO metrics_actualmonth ({COLUMNS})
SELECT {KEY}, date_trunc('month', date)::date, SUM(value), COUNT(*), MIN(date), MAX(date)
  FROM metrics_actual GROUP BY {KEY}, date_trunc('month', date)::date;
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


def _sqlite_redo(row: str) -> str:
    """Work the month of `row` (OLD or NEW) out again from the actuals."""
    month = f"date({row}.date, 'start of month')"
    same = f"kpi_id = {row}.kpi_id AND org_unit_id = {row}.org_unit_id AND seller_id IS {row}.seller_id"
    return f"""
    DELETE FROM metrics_actualmonth WHERE {same} AND month = {month};
    INSERT INTO metrics_actualmonth ({COLUMNS})
    SELECT {KEY}, {month}, SUM(value), COUNT(*), MIN(date), MAX(date) FROM metrics_actual
     WHERE {same} AND date >= {month} AND date < date({month}, '+1 month')
     GROUP BY {KEY};"""


SQLITE_FORWARD = [
    f"""CREATE TRIGGER metrics_actualmonth_add AFTER INSERT ON metrics_actual BEGIN
    INSERT INTO metrics_actualmonth ({COLUMNS})
    VALUES (NEW.kpi_id, NEW.org_unit_id, NEW.seller_id, date(NEW.date, 'start of month'), NEW.value, 1,
            NEW.date, NEW.date)
    ON CONFLICT (kpi_id, org_unit_id, COALESCE(seller_id, 0), month) DO UPDATE SET
        total = total + excluded.total, count = count + 1,
        first_date = min(first_date, excluded.first_date), last_date = max(last_date, excluded.last_date);
    END""",
    f"""CREATE TRIGGER metrics_actualmonth_change AFTER UPDATE ON metrics_actual BEGIN
    {_sqlite_redo("OLD")}
    {_sqlite_redo("NEW")}
    END""",
    f"""CREATE TRIGGER metrics_actualmonth_remove AFTER DELETE ON metrics_actual BEGIN
    {_sqlite_redo("OLD")}
    END""",
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
