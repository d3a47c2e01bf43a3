"""`python -m bot` is the `companion` command."""

from bot.cli import main

raise SystemExit(main())
