"""Shipping a model out of the workbench: a Hugging Face Space folder, a container, a Hub push."""
