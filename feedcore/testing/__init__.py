"""Property-based testing of feeds, for feedlab's own tests and for its users (issue 13).

:mod:`feedcore.testing.strategies` holds the Hypothesis strategies
(``feed_configs()``, ``events(config)``, ``hostile_text()``); the project's
tests use these same ones. Nothing here is imported by ``import feedcore``,
and this package imports nothing itself: Hypothesis is needed only by the
submodules that use it (the ``feedlab[testing]`` extra).
"""
