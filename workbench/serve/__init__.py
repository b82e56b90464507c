"""serve layer of the workbench core."""
