from django.dispatch import Signal

# Sent after a plan's quarter is rolled up (plan_id, quarter): later steps refresh what depends on it.
rollup_done = Signal()
