"""The command palette (ctrl+p): every action of the app, the main screen and its tools."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.actions import APP_ACTIONS, PREVIEW_ACTIONS, SCREEN_ACTIONS, UserAction
from tui.tools import ALL_TOOLS


def rank(query: str, title: str, title_score: float, help_score: float) -> float:
    """A hit's score: a match on the command's name outranks every match on its help,
    and a name that starts with the query (or has a word that does) outranks a
    scattered match. Typing "mock server" must offer "Mock servers: connect a client"
    (Connect's :attr:`~tui.actions.UserAction.name`) first: not "Export batch", whose
    help mentions the mock server, nor "Clear mock servers".
    Scores stay within 0..1 (the matcher's own are unbounded: squashed here).
    """
    wanted, name = " ".join(query.lower().split()), title.lower()
    title_score = title_score / (1 + title_score) if title_score > 0 else 0.0
    help_score = help_score / (1 + help_score) if help_score > 0 else 0.0
    if title_score <= 0:
        return help_score * 0.4
    if wanted and name.startswith(wanted):
        return 0.95 + title_score * 0.05
    if wanted and f" {wanted}" in f" {name}":
        return 0.85 + title_score * 0.05
    return 0.5 + title_score * 0.3


class FeedlabCommands(Provider):
    """Lists the actions of :mod:`tui.actions` and :mod:`tui.tools` that apply to the
    current screen."""

    def _actions(self) -> list[UserAction]:
        from tui.screens.main import MainScreen

        found: list[UserAction] = []
        if isinstance(self.screen, MainScreen):
            found += [*SCREEN_ACTIONS, *ALL_TOOLS, *PREVIEW_ACTIONS]
        found += APP_ACTIONS
        return found

    def _help(self, action: UserAction) -> str:
        return f"{action.help}  ({action.key_display})" if action.key else action.help

    def _run(self, action: str) -> None:
        self.app.call_later(partial(self.screen.run_action, action))

    async def discover(self) -> Hits:
        for action in self._actions():
            yield DiscoveryHit(
                action.name, partial(self._run, action.target), help=self._help(action)
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in self._actions():
            name = action.name
            score = rank(query, name, matcher.match(name), matcher.match(action.help))
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self._run, action.target),
                    text=name,
                    help=self._help(action),
                )
