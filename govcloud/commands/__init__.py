"""One module per subcommand. Each exposes ``register(subparsers)`` and sets ``func`` on its parser.

``func(args) -> int`` returns an exit code from :class:`govcloud.exit_codes.ExitCode`.
"""
