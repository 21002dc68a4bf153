"""The KPI catalogue every install starts with, each with a data source to make ready for day 1."""

from django.db import migrations

# code, name, unit, direction, aggregation, cadence, description, (numerator, denominator), source
DEFAULTS = [
    ("revenue", "Revenue", "currency", "higher", "sum", "monthly",
     "Recognised new and expansion bookings, by the owning seller's unit.", None,
     ("crm_field", "Opportunity.Amount (Closed Won)", "captured")),
    ("sales-growth", "Sales growth", "percent", "higher", "last", "quarterly",
     "Year-over-year growth of bookings, company-wide and per region.", None,
     ("integration", "Finance BI: bookings YoY", "process_missing")),
    ("customer-retention", "Customer retention", "percent", "higher", "last", "quarterly",
     "Share of customers at the start of the period still customers at its end.", None,
     ("integration", "Billing: active subscriptions", "captured")),
    ("churn", "Churn", "percent", "lower", "last", "monthly",
     "Churned ARR ÷ ARR at the start of the period.", None,
     ("integration", "Billing: cancelled ARR", "field_missing")),
    ("leads", "Leads", "count", "higher", "sum", "monthly",
     "Marketing- and sales-qualified leads created.", None, ("crm_field", "Lead.CreatedDate", "captured")),
    ("deals-won", "Deals won", "count", "higher", "sum", "monthly",
     "Opportunities closed as won.", None, ("crm_field", "Opportunity.IsWon", "captured")),
    ("opportunities-closed", "Opportunities closed", "count", "higher", "sum", "monthly",
     "Opportunities closed, won or lost.", None, ("crm_field", "Opportunity.IsClosed", "captured")),
    ("lead-conversion", "Lead conversion rate", "percent", "higher", "ratio", "monthly",
     "Deals won ÷ leads over the same period.", ("deals-won", "leads"), ("crm_field", "computed", "captured")),
    ("win-rate", "Win rate", "percent", "higher", "ratio", "monthly",
     "Deals won ÷ opportunities closed over the same period.", ("deals-won", "opportunities-closed"),
     ("crm_field", "computed", "captured")),
    ("calls-made", "Calls made", "count", "higher", "sum", "monthly",
     "Outbound calls logged by sellers.", None, ("integration", "Dialer activity sync", "field_missing")),
    ("emails-sent", "Emails sent", "count", "higher", "sum", "monthly",
     "Prospecting emails sent from the engagement platform.", None,
     ("integration", "Engagement platform sync", "process_missing")),
    ("pipeline-created", "Pipeline created", "currency", "higher", "sum", "monthly",
     "Amount of new opportunities created in the period.", None,
     ("crm_field", "Opportunity.Amount (created in period)", "captured")),
]


def seed(apps, schema_editor):
    KPI = apps.get_model("metrics", "KPI")
    DataSource = apps.get_model("metrics", "DataSource")
    made = {}
    for code, name, unit, direction, aggregation, cadence, description, parts, source in DEFAULTS:
        kpi, created = KPI.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "direction": direction,
                "aggregation": aggregation,
                "review_cadence": cadence,
                "description": description,
                "numerator": made.get(parts[0]) if parts else None,
                "denominator": made.get(parts[1]) if parts else None,
            },
        )
        made[code] = kpi
        if created:
            kind, field, readiness = source
            DataSource.objects.create(kpi=kpi, kind=kind, field_name=field, readiness=readiness)


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_kpis")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
