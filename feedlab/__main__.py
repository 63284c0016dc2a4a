"""``python -m feedlab``: the same as the ``feedlab`` console script."""

from feedlab.cli import entry

entry()
