"""evaluation layer of the workbench core."""
