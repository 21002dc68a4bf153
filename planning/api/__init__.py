"""Planning over the API: plans and their workflow (plan), Step 1 content (content), goals, profiles and
settings (settings), the targets and the computed views on a plan (targets)."""
