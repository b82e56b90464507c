"""ui layer of the workbench core."""
