"""The command palette (ctrl+p): every action of the app and the main screen."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.actions import APP_ACTIONS, SCREEN_ACTIONS, UserAction


class FeedlabCommands(Provider):
    """Lists :data:`~tui.actions.SCREEN_ACTIONS` and :data:`~tui.actions.APP_ACTIONS`."""

    def _actions(self) -> list[tuple[UserAction, str]]:
        from tui.screens.main import MainScreen

        found: list[tuple[UserAction, str]] = []
        if isinstance(self.screen, MainScreen):
            found += [(a, f"screen.{a.action}") for a in SCREEN_ACTIONS]
        found += [(a, f"app.{a.action}") for a in APP_ACTIONS]
        return found

    def _help(self, action: UserAction) -> str:
        return f"{action.help}  ({action.key_display})" if action.key else action.help

    def _run(self, action: str) -> None:
        self.app.call_later(partial(self.screen.run_action, action))

    async def discover(self) -> Hits:
        for action, target in self._actions():
            yield DiscoveryHit(action.title, partial(self._run, target), help=self._help(action))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action, target in self._actions():
            score = matcher.match(f"{action.title} {action.help}")
            title_score = matcher.match(action.title)
            best = max(score, title_score)
            if best > 0:
                yield Hit(
                    best,
                    matcher.highlight(action.title),
                    partial(self._run, target),
                    text=action.title,
                    help=self._help(action),
                )
