"""The tools of issue 12 as user actions, for the footer, the help screen and the palette.

Same shape as :mod:`tui.actions` (:class:`~tui.actions.UserAction`), so the tables
merge as they are: :data:`TOOL_ACTIONS` are main-screen actions (``screen.<action>``;
``connect`` replaces ``server_details`` and its 20-second toast), and
:data:`FILE_TOOLS` act on the file selected in the tree. Their keys are
suggestions chosen to clash with nothing the app or Textual's inputs bind:
``ctrl+g``/``ctrl+t`` are free in an ``Input`` (``ctrl+a/e/d/f/k/u/w/x/v/c`` are not),
and the single letters are meant for the tree (not priority), where letters do
nothing else; :class:`~tui.screens.file_tools.FileToolsScreen` offers the same
letters as a menu.
"""

from __future__ import annotations

from tui.actions import UserAction

#: Main-screen actions (the screen implements ``action_<action>``).
TOOL_ACTIONS: tuple[UserAction, ...] = (
    UserAction(
        "connect",
        "ctrl+g",
        "connect",
        "Connect",
        "Connect another client: endpoint, credentials (reveal with r), key and known_hosts "
        "files, ready aws and sftp commands to copy",
        priority=True,
    ),
    UserAction(
        "attributes",
        "ctrl+t",
        "attributes",
        "Attributes",
        "Simulated contacts' attributes with sample values, and a live tester: how many pass "
        "the condition, what each personalised field renders",
        priority=True,
    ),
    UserAction(
        "file-tools",
        "t",
        "file_tools",
        "File tools",
        "Copy, open or compare the file selected in the tree (a menu of the keys below)",
    ),
)

#: Tools on the selected file; ``action`` is ``file_tool('<id>')`` on the main screen,
#: which calls :func:`tui.screens.file_tools.use` with the selected :class:`FileRef`.
FILE_TOOLS: tuple[UserAction, ...] = (
    UserAction(
        "copy-url",
        "u",
        "file_tool('copy-url')",
        "Copy URL",
        "Copy the file's URL on the mock server (s3://… or sftp://…)",
    ),
    UserAction(
        "copy-key",
        "k",
        "file_tool('copy-key')",
        "Copy key",
        "Copy the file's key (its path in the bucket or under the SFTP root)",
    ),
    UserAction(
        "copy-get",
        "g",
        "file_tool('copy-get')",
        "Copy download command",
        "Copy a ready aws s3 cp (S3) or sftp (SFTP) command that downloads the file; "
        "it holds no secret",
    ),
    UserAction(
        "open-pager",
        "p",
        "file_tool('open-pager')",
        "Open in $PAGER",
        "Open a private copy of the file in $PAGER (default less); the app resumes after",
    ),
    UserAction(
        "open-editor",
        "e",
        "file_tool('open-editor')",
        "Open in $EDITOR",
        "Open a private copy in $EDITOR (default vi); edits stay in the copy",
    ),
    UserAction(
        "diff-previous",
        "d",
        "file_tool('diff-previous')",
        "Diff with previous batch",
        "Rows per action, variant and operation, and columns added or removed, against the "
        "previous batch of the same feed",
    ),
)

#: Every tool, in the order a help screen would list them.
ALL_TOOLS: tuple[UserAction, ...] = TOOL_ACTIONS + FILE_TOOLS
