# Models of this step arrive with its issue; see DESIGN.md.
