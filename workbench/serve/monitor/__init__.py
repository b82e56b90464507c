"""Monitoring of served models: traffic, latency and errors from the request log, drift against the
model's validation predictions, alerts; canary and shadow comparisons; offline replay."""
