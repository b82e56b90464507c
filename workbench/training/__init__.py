"""Training: specs, methods, the Trainer wrapper, and runs a UI can poll."""
