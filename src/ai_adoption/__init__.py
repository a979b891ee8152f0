"""Python tooling for the ai_adoption dbt package.

The package's main job lives in dbt; this module ships the helpers around it,
starting with a deterministic generator of synthetic raw AI-feature event logs
(see :mod:`ai_adoption.generator` and the ``ai-adoption generate`` command).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
