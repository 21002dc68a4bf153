"""UnitMonth: the actuals summed by KPI, unit and calendar month, sellers' rows included, kept by database
triggers on metrics_actual beside those of ActualMonth (0011): statement-level with transition tables on
PostgreSQL, row-level on SQLite. The KPI engine reads it for a unit's whole months when no seller is asked
about."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

KEY = "kpi_id, org_unit_id"
COLUMNS = f"{KEY}, month, total, count, first_date, last_date"
SAME = "m.kpi_id = g.kpi_id AND m.org_unit_id = g.org_unit_id AND m.month = g.month"

# --- PostgreSQL: one trigger per event, each once per statement over the rows it changed ---------------


def _pg_groups(rows: str) -> str:
    return (
        f"SELECT {KEY}, date_trunc('month', date)::date AS month, SUM(value) AS total, COUNT(*) AS count, "
        f"MIN(date) AS first_date, MAX(date) AS last_date FROM {rows} GROUP BY 1, 2, 3"
    )


def _pg_day(fn: str) -> str:
    """The first or last day left in the month of `m`, through the (KPI, unit, date) index."""
    return (
        f"(SELECT {fn}(a.date) FROM metrics_actual a WHERE a.kpi_id = m.kpi_id AND a.org_unit_id = m.org_unit_id "
        "AND a.date >= m.month AND a.date < (m.month + INTERVAL '1 month')::date)"
    )


def _pg_add(rows: str) -> str:
    return f"""
    INSERT INTO metrics_unitmonth ({COLUMNS})
    SELECT {COLUMNS} FROM ({_pg_groups(rows)}) g
    ON CONFLICT (kpi_id, org_unit_id, month) DO UPDATE SET
        total = metrics_unitmonth.total + EXCLUDED.total,
        count = metrics_unitmonth.count + EXCLUDED.count,
        first_date = LEAST(metrics_unitmonth.first_date, EXCLUDED.first_date),
        last_date = GREATEST(metrics_unitmonth.last_date, EXCLUDED.last_date);"""


def _pg_subtract(rows: str) -> str:
    return f"""
    DELETE FROM metrics_unitmonth m USING ({_pg_groups(rows)}) g WHERE {SAME} AND m.count <= g.count;
    UPDATE metrics_unitmonth m SET
        total = m.total - g.total,
        count = m.count - g.count,
        first_date = CASE WHEN g.first_date > m.first_date THEN m.first_date ELSE {_pg_day("MIN")} END,
        last_date = CASE WHEN g.last_date < m.last_date THEN m.last_date ELSE {_pg_day("MAX")} END
      FROM ({_pg_groups(rows)}) g WHERE {SAME};"""


PG_FORWARD = f"""
CREATE FUNCTION metrics_unitmonth_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_pg_add("new_rows")}
    RETURN NULL;
END $$;

-- An update that keeps every row's KPI, unit and date (a new value, a seller of the same unit) moves only
-- the sums; one that moves a row takes the old rows out of their months and adds the new ones.
CREATE FUNCTION metrics_unitmonth_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
         WHERE (o.kpi_id, o.org_unit_id, o.date) IS DISTINCT FROM (n.kpi_id, n.org_unit_id, n.date)
    ) THEN
        UPDATE metrics_unitmonth m SET total = m.total + g.delta
          FROM (SELECT n.kpi_id, n.org_unit_id, date_trunc('month', n.date)::date AS month,
                       SUM(n.value - o.value) AS delta
                  FROM new_rows n JOIN old_rows o ON o.id = n.id
                 GROUP BY 1, 2, 3 HAVING SUM(n.value - o.value) <> 0) g
         WHERE {SAME};
        RETURN NULL;
    END IF;
    {_pg_subtract("old_rows")}
    {_pg_add("new_rows")}
    RETURN NULL;
END $$;

CREATE FUNCTION metrics_unitmonth_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_pg_subtract("old_rows")}
    RETURN NULL;
END $$;

CREATE TRIGGER metrics_unitmonth_add AFTER INSERT ON metrics_actual
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics_unitmonth_add();
CREATE TRIGGER metrics_unitmonth_change AFTER UPDATE ON metrics_actual
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION metrics_unitmonth_change();
CREATE TRIGGER metrics_unitmonth_remove AFTER DELETE ON metrics_actual
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics_unitmonth_remove();

INSERT INTO metrics_unitmonth ({COLUMNS}) {_pg_groups("metrics_actual")};
"""

PG_BACKWARD = """
DROP TRIGGER metrics_unitmonth_add ON metrics_actual;
DROP TRIGGER metrics_unitmonth_change ON metrics_actual;
DROP TRIGGER metrics_unitmonth_remove ON metrics_actual;
DROP FUNCTION metrics_unitmonth_add();
DROP FUNCTION metrics_unitmonth_change();
DROP FUNCTION metrics_unitmonth_remove();
"""

# --- SQLite (the embedded default): row-level triggers ------------------------------------------------

SQLITE_ADD = f"""
    INSERT INTO metrics_unitmonth ({COLUMNS})
    VALUES (NEW.kpi_id, NEW.org_unit_id, date(NEW.date, 'start of month'), NEW.value, 1, NEW.date, NEW.date)
    ON CONFLICT (kpi_id, org_unit_id, month) DO UPDATE SET
        total = total + excluded.total, count = count + 1,
        first_date = min(first_date, excluded.first_date), last_date = max(last_date, excluded.last_date);"""

_OLD = "kpi_id = OLD.kpi_id AND org_unit_id = OLD.org_unit_id AND month = date(OLD.date, 'start of month')"


def _sqlite_day(fn: str) -> str:
    return (
        f"(SELECT {fn}(a.date) FROM metrics_actual a WHERE a.kpi_id = OLD.kpi_id "
        "AND a.org_unit_id = OLD.org_unit_id AND a.date >= date(OLD.date, 'start of month') "
        "AND a.date < date(OLD.date, 'start of month', '+1 month'))"
    )


SQLITE_SUBTRACT = f"""
    DELETE FROM metrics_unitmonth WHERE {_OLD} AND count <= 1;
    UPDATE metrics_unitmonth SET total = total - OLD.value, count = count - 1,
        first_date = CASE WHEN first_date < OLD.date THEN first_date ELSE {_sqlite_day("MIN")} END,
        last_date = CASE WHEN last_date > OLD.date THEN last_date ELSE {_sqlite_day("MAX")} END
     WHERE {_OLD};"""

SQLITE_FORWARD = [
    f"CREATE TRIGGER metrics_unitmonth_add AFTER INSERT ON metrics_actual BEGIN {SQLITE_ADD} END",
    f"""CREATE TRIGGER metrics_unitmonth_change AFTER UPDATE ON metrics_actual BEGIN
    {SQLITE_SUBTRACT}
    {SQLITE_ADD}
    END""",
    f"CREATE TRIGGER metrics_unitmonth_remove AFTER DELETE ON metrics_actual BEGIN {SQLITE_SUBTRACT} END",
    f"""INSERT INTO metrics_unitmonth ({COLUMNS})
    SELECT {KEY}, date(date, 'start of month'), SUM(value), COUNT(*), MIN(date), MAX(date)
      FROM metrics_actual GROUP BY {KEY}, date(date, 'start of month')""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER metrics_unitmonth_add",
    "DROP TRIGGER metrics_unitmonth_change",
    "DROP TRIGGER metrics_unitmonth_remove",
]


# The same runner as 0011's: each vendor's statements, or a clear error on another database.
_run = importlib.import_module("metrics.migrations.0011_actual_month")._run


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0013_rollup_references_per_statement"),
        ("orgs", "0002_years_in_range"),
    ]

    operations = [
        migrations.CreateModel(
            name="UnitMonth",
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
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("kpi", "org_unit", "month"), name="unitmonth_key")
                ],
            },
        ),
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
