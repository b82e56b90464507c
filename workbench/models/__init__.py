"""models layer of the workbench core."""
