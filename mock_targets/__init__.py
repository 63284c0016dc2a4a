"""In-process mock delivery targets: a moto S3 server and an asyncssh SFTP server.

Both are real network servers on 127.0.0.1, usable by outside clients (``aws``,
OpenSSH ``sftp``), each on its own thread, and both report every write as it
happens through :class:`~mock_targets.reports.Reporter`.
"""
