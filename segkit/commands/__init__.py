"""Sub-commands of the ``segkit`` command line, one module each (see :mod:`segkit.cli`)."""
