"""feedlab, the application: the command line that composes the feed writer
(:mod:`feedcore`), the mock servers (:mod:`mock_targets`) and the app (:mod:`tui`).

Nothing here is a library API: services import :mod:`feedcore`. This package
sits above the three so that none of them has to import another's front end.
"""
