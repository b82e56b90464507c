"""inference layer of the workbench core."""
