"""``python -m scslab`` is the ``scslab`` command."""

from .cli import app

app(prog_name="scslab")
