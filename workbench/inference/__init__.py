"""Inference: loading registry models and batched prediction."""
