"""Planning pages: the plan and its workflow (plan), the alignment tab (content), the targets tab
(targets), and the pages outside any one plan (settings)."""
