"""data layer of the workbench core."""
