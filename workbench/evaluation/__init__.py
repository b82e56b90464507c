"""Evaluation: metrics per task and the evaluate() service."""
