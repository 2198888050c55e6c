"""``scslab dashboard``: a local web app to move a policy lever and see what it does.

Built on Streamlit (docs/dashboard.md says why): the app is ``app.py``; this module
starts its server, bound to 127.0.0.1 unless told otherwise, with uploads capped and
usage statistics off, so that nothing leaves the machine.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

APP = Path(__file__).with_name("app.py")


def command(host: str = "127.0.0.1", port: int = 8501) -> list[str]:
    """The command line that serves the dashboard."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", host, "--server.port", str(port), "--server.headless", "true",
        "--server.maxUploadSize", "1", "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
        "--theme.base", "light", "--client.toolbarMode", "minimal",
    ]


def serve(host: str = "127.0.0.1", port: int = 8501) -> NoReturn:
    """Become the dashboard's server (this process is replaced), so that a signal to this process
    (Ctrl-C, SIGTERM) reaches the server itself and stopping it leaves nothing running."""
    line = command(host, port)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(line[0], line)
