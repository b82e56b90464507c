"""The ``workbench`` command line. Each capability adds one module with a ``register(subparsers)``."""
