"""training layer of the workbench core."""
