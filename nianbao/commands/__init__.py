"""The subcommands of `nianbao` (see nianbao/cli.py), one module per area."""
