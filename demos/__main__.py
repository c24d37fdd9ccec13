"""`python -m demos ...`: see demos/cli.py."""

from .cli import main

raise SystemExit(main())
