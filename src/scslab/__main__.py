"""``python -m scslab`` is the ``scslab`` command."""

from .cli import main

main()
