"""The default catalogue's percentages become ratios of two summed KPIs, as the design asks: a parent unit
must never show a sum of its sellers' percentages. A KPI that already holds actuals or targets keeps its
definition (its rows were measured as percentages); sales ops can change it on the KPI page."""

from django.db import migrations

# code, name, unit, direction, cadence, description, source
SIDES = [
    (
        "arr-churned",
        "Churned ARR",
        "currency",
        "lower",
        "monthly",
        "ARR lost to cancellations and downgrades in the period.",
        ("integration", "Billing: cancelled ARR", "field_missing"),
    ),
    (
        "arr-opening",
        "Opening ARR",
        "currency",
        "higher",
        "monthly",
        "ARR at the start of each month.",
        ("integration", "Billing: ARR at month start", "captured"),
    ),
    (
        "customers-opening",
        "Customers at period start",
        "count",
        "higher",
        "quarterly",
        "Active customers at the start of each quarter.",
        ("integration", "Billing: active subscriptions", "captured"),
    ),
    (
        "customers-retained",
        "Customers retained",
        "count",
        "higher",
        "quarterly",
        "Of the customers at the start of the quarter, those still customers at its end.",
        ("integration", "Billing: active subscriptions", "captured"),
    ),
    (
        "bookings-prior-year",
        "Bookings a year earlier",
        "currency",
        "higher",
        "quarterly",
        "Bookings in the same period of the previous year.",
        ("integration", "Finance BI: bookings", "captured"),
    ),
    (
        "bookings-growth",
        "Bookings growth",
        "currency",
        "higher",
        "quarterly",
        "Bookings in the period less bookings in the same period a year earlier.",
        ("integration", "Finance BI: bookings YoY", "process_missing"),
    ),
]
# ratio KPI: (numerator, denominator, description)
RATIOS = {
    "churn": ("arr-churned", "arr-opening", "Churned ARR ÷ opening ARR of the same months."),
    "customer-retention": (
        "customers-retained",
        "customers-opening",
        "Customers retained ÷ customers at the start of the quarter.",
    ),
    "sales-growth": (
        "bookings-growth",
        "bookings-prior-year",
        "Bookings growth ÷ bookings in the same period a year earlier.",
    ),
}


def forwards(apps, schema_editor):
    KPI = apps.get_model("metrics", "KPI")
    DataSource = apps.get_model("metrics", "DataSource")
    Actual = apps.get_model("metrics", "Actual")
    KPITarget = apps.get_model("metrics", "KPITarget")
    made = {}
    for code, name, unit, direction, cadence, description, (kind, field, readiness) in SIDES:
        kpi, created = KPI.objects.get_or_create(
            code=code,
            defaults={"name": name, "unit": unit, "direction": direction, "aggregation": "sum",
                      "review_cadence": cadence, "description": description},
        )  # fmt: skip
        if created:
            DataSource.objects.create(kpi=kpi, kind=kind, field_name=field, readiness=readiness)
        made[code] = kpi
    for code, (numerator, denominator, description) in RATIOS.items():
        kpi = KPI.objects.filter(code=code, aggregation="last").first()
        if (
            kpi is None
            or Actual.objects.filter(kpi=kpi).exists()
            or KPITarget.objects.filter(kpi=kpi).exists()
        ):
            continue
        kpi.aggregation, kpi.description = "ratio", description
        kpi.numerator, kpi.denominator = made[numerator], made[denominator]
        kpi.save(update_fields=["aggregation", "description", "numerator", "denominator"])


class Migration(migrations.Migration):
    dependencies = [("metrics", "0006_rollup_expected")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
