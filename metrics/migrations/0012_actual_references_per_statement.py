"""The actuals' references (KPI, unit, seller, import batch) checked once per statement on PostgreSQL
(core.statement_references): a file's 500,000 rows made 2,000,000 row-level foreign key checks, more time
than writing the rows. SQLite (the embedded default) keeps its foreign keys."""

from django.db import migrations, models

from core import statement_references as refs

TABLE = "metrics_actual"
REFERENCES = [
    refs.Reference("kpi_id", "metrics_kpi"),
    refs.Reference("org_unit_id", "orgs_orgunit"),
    refs.Reference("seller_id", "orgs_seller"),
    refs.Reference("batch_id", "metrics_importbatch"),
]


class Migration(migrations.Migration):
    dependencies = [("metrics", "0011_actual_month"), ("orgs", "0002_years_in_range")]

    operations = [
        refs.operation(
            TABLE,
            REFERENCES,
            [
                migrations.AlterField(
                    model_name="actual",
                    name="kpi",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="actuals",
                        to="metrics.kpi",
                    ),
                ),
                migrations.AlterField(
                    model_name="actual",
                    name="org_unit",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="+",
                        to="orgs.orgunit",
                    ),
                ),
                migrations.AlterField(
                    model_name="actual",
                    name="seller",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=models.deletion.CASCADE,
                        related_name="+",
                        to="orgs.seller",
                    ),
                ),
                migrations.AlterField(
                    model_name="actual",
                    name="batch",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=models.deletion.SET_NULL,
                        related_name="+",
                        to="metrics.importbatch",
                    ),
                ),
            ],
        )
    ]
