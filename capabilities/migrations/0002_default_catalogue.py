"""The default catalogue every install starts with; sales ops edit it afterwards."""

from django.db import migrations

DEFAULTS = [
    ("skills", "Prospecting", "Finding and opening new accounts that fit the ideal customer profile."),
    ("skills", "Discovery", "Uncovering the buyer's problem, impact, decision process and criteria."),
    ("skills", "Value selling", "Tying the offer to measurable business outcomes for the buyer."),
    ("skills", "Negotiation", "Protecting price and terms while closing on time."),
    ("skills", "Account management", "Growing and retaining existing customers through planned coverage."),
    ("processes", "Pipeline generation", "A repeatable engine of qualified opportunities across channels."),
    ("processes", "Opportunity qualification", "A shared method (e.g. MEDDICC) applied to every deal."),
    ("processes", "Forecasting", "A weekly forecast the business can plan against, within ±5%."),
    ("processes", "Territory and quota planning", "Fair territories and quotas set from capacity and potential."),
    ("processes", "Renewals management", "Renewals worked 120 days out with risk flagged early."),
    ("tools", "CRM hygiene", "Complete, current opportunity and account data in the CRM."),
    ("tools", "Sales engagement platform", "Sequencing, calling and email tooling used consistently."),
    ("tools", "Conversation intelligence", "Calls recorded and reviewed for coaching and deal risk."),
    ("tools", "Revenue analytics", "Dashboards for pipeline, conversion and productivity."),
    ("resources", "Enablement", "Onboarding, playbooks and continuous training for sellers."),
    ("resources", "Sales engineering coverage", "Technical pre-sales capacity matched to deal volume."),
    ("resources", "Partner ecosystem", "Partners that source and co-sell deals."),
    ("resources", "Hiring and ramp", "Recruiting ahead of need and ramping new hires to quota fast."),
]


def seed(apps, schema_editor):
    Capability = apps.get_model("capabilities", "Capability")
    for category, name, description in DEFAULTS:
        Capability.objects.get_or_create(name=name, defaults={"category": category, "description": description})


class Migration(migrations.Migration):
    dependencies = [("capabilities", "0001_assessment")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
