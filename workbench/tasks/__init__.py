"""tasks layer of the workbench core."""
