"""The stored rollups' references (plan, KPI, unit, seller) checked once per statement on PostgreSQL, as
the actuals' are (0012): a full-size quarter writes 150,000 rows, 600,000 row-level checks."""

import django.db.models.deletion
from django.db import migrations, models

from core import statement_references as refs

TABLE = "metrics_quarterlyrollup"
REFERENCES = [
    refs.Reference("plan_id", "planning_plan"),
    refs.Reference("kpi_id", "metrics_kpi"),
    refs.Reference("org_unit_id", "orgs_orgunit"),
    refs.Reference("seller_id", "orgs_seller"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0012_actual_references_per_statement"),
        ("orgs", "0002_years_in_range"),
        ("planning", "0005_healthy_pipeline_coverage"),
    ]

    operations = [
        refs.operation(
            TABLE,
            REFERENCES,
            [
                migrations.AlterField(
                    model_name="quarterlyrollup",
                    name="kpi",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="metrics.kpi",
                    ),
                ),
                migrations.AlterField(
                    model_name="quarterlyrollup",
                    name="org_unit",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="orgs.orgunit",
                    ),
                ),
                migrations.AlterField(
                    model_name="quarterlyrollup",
                    name="plan",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rollups",
                        to="planning.plan",
                    ),
                ),
                migrations.AlterField(
                    model_name="quarterlyrollup",
                    name="seller",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="orgs.seller",
                    ),
                ),
            ],
        )
    ]
