"""Models: safe loading, the workspace registry, model cards."""
