"""The tools of issue 12 as user actions, for the footer, the help screen and the palette.

Same shape as :mod:`tui.actions` (:class:`~tui.actions.UserAction`), so the tables
merge as they are: :data:`TOOL_ACTIONS` are main-screen actions (``screen.<action>``),
and :data:`FILE_TOOLS` act on the file selected in the tree (bound on the tree).
The Tools menu (:class:`~tui.screens.tools.ToolsScreen`, ``ctrl+f``) lists every
one of them, so at 80 columns, where the footer ends after F10, each tool is
still one key away.

Keys clash with nothing the app or Textual's inputs bind: ``ctrl+f``, ``ctrl+g``
and ``ctrl+y`` are free in an ``Input`` (``ctrl+a/e/d/k/u/w/x/v/c`` are not) and in
the layout (``ctrl+l/n/o/p/q/r/s/t``, F1-F10), and ``ctrl+b`` is left to tmux. The
single letters are bound on the tree only (not priority), where letters do
nothing else; the preview table's ``p``/``h``/``a`` are its own.
"""

from __future__ import annotations

from tui.actions import APP_ACTIONS, PREVIEW_ACTIONS, SCREEN_ACTIONS, UserAction

#: Main-screen actions (the screen implements ``action_<action>``).
TOOL_ACTIONS: tuple[UserAction, ...] = (
    UserAction(
        "tools",
        "ctrl+f",
        "tools",
        "Tools",
        "Every tool in one menu: connect a client, attributes and tester, the selected "
        "file's copy/open/diff, demo bundles, config warnings",
        priority=True,
    ),
    UserAction(
        "connect",
        "ctrl+g",
        "connect",
        "Connect",
        "Connect another client: endpoint, credentials (reveal with r), key and known_hosts "
        "files, ready aws and sftp commands to copy",
        priority=True,
        long_title="Mock servers: connect a client",
    ),
    UserAction(
        "attributes",
        "ctrl+y",
        "attributes",
        "Attributes",
        "Simulated contacts' attributes with sample values, and a live tester: how many pass "
        "the condition, what each personalised field renders",
        priority=True,
        long_title="Attributes and tester",
    ),
    UserAction(
        "demo",
        "f8",
        "demo",
        "Demo",
        "Write a client demo bundle (zip: the feed's files in their layout, index.html, "
        "README, JSON Schema, poller, screenshot) of the batches exported in this session, "
        "or a guaranteed sample when none was",
        priority=True,
        long_title="Demo bundle",
    ),
    UserAction(
        "demo-sample",
        "",
        "demo('sample')",
        "Demo bundle (sample)",
        "A demo bundle of a guaranteed sample (every variant, both operations, an awkward "
        "value), whatever this session exported; as feedlab demo",
    ),
    UserAction(
        "warnings",
        "",
        "warnings",
        "Config warnings",
        "List every warning about the config in the log (attributes simulated contacts lack, "
        "flow actions beside variants); they never block saving or exporting",
    ),
)

#: Tools on the selected file; ``action`` is ``file_tool('<id>')`` on the main screen,
#: which runs :func:`tui.screens.file_tools.use` on the selected :class:`FileRef`.
FILE_TOOLS: tuple[UserAction, ...] = (
    UserAction(
        "copy-url",
        "u",
        "file_tool('copy-url')",
        "Copy URL",
        "Copy the file's URL on the mock server (s3://… or sftp://…)",
        scope="tree",
    ),
    UserAction(
        "copy-key",
        "k",
        "file_tool('copy-key')",
        "Copy key",
        "Copy the file's key (its path in the bucket or under the SFTP root)",
        scope="tree",
    ),
    UserAction(
        "copy-get",
        "g",
        "file_tool('copy-get')",
        "Copy download command",
        "Copy a ready aws s3 cp (S3) or sftp (SFTP) command that downloads the file; "
        "it holds no secret",
        scope="tree",
    ),
    UserAction(
        "open-pager",
        "p",
        "file_tool('open-pager')",
        "Open in $PAGER",
        "Open a private copy of the file in $PAGER (default less); the app resumes after",
        scope="tree",
    ),
    UserAction(
        "open-editor",
        "e",
        "file_tool('open-editor')",
        "Open in $EDITOR",
        "Open a private copy in $EDITOR (default vi); edits stay in the copy",
        scope="tree",
    ),
    UserAction(
        "diff-previous",
        "d",
        "file_tool('diff-previous')",
        "Diff with previous batch",
        "Rows per action, variant and operation, and columns added or removed, against the "
        "previous batch of the same feed",
        scope="tree",
    ),
)

#: Every tool, in the order the help screen and the Tools menu list them.
ALL_TOOLS: tuple[UserAction, ...] = TOOL_ACTIONS + FILE_TOOLS

#: The main screen's bindings: its own actions and the tools'.
MAIN_ACTIONS: tuple[UserAction, ...] = SCREEN_ACTIONS + TOOL_ACTIONS

#: Every action of the app, the order of the help screen's key table.
ALL_ACTIONS: tuple[UserAction, ...] = (
    *APP_ACTIONS,
    *SCREEN_ACTIONS,
    *PREVIEW_ACTIONS,
    *ALL_TOOLS,
)
