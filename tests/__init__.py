"""The test suites. Imported before any conftest, so fdk's logging side effect is undone before anything logs:
importing fdk sets the root logger to DEBUG (fdk/log.py), and `import oci` would then log at INFO."""

import logging

import fdk.log  # noqa: F401 - imported for its side effect, undone on the next line

logging.getLogger().setLevel(logging.WARNING)
