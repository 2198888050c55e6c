"""Writing outputs all or nothing, and never over what scslab did not write.

Outputs are written under a temporary name beside the target (``.NAME.PID.XXXXXXXX.tmp``) and
renamed into place when complete, so an interrupted write never leaves a partial output that
looks complete; the next write beside it removes temporaries whose process is gone. An existing
target is replaced only when it is empty, or, with ``overwrite``, when it holds an earlier output
of the same kind and nothing else. The current directory and its parents, the home directory
and the root are never targets.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


class OutputError(ValueError):
    """A target that must not be written; the message starts with its path and says why."""


@dataclass(frozen=True)
class Kind:
    """What one kind of output directory holds: ``marks``, the files every such output has;
    ``names``, every entry it may hold (``marks`` included); ``folders``, what its folders hold."""

    what: str
    marks: frozenset[str]
    names: frozenset[str]
    folders: Mapping[str, Kind] = field(default_factory=dict)

    def foreign(self, directory: Path) -> list[str]:
        """Entries of ``directory`` (``folder/name`` inside its folders) that this kind never writes."""
        found = []
        for entry in sorted(os.listdir(directory)):
            path = directory / entry
            if entry in self.folders and path.is_dir() and not path.is_symlink():
                found += [f"{entry}/{name}" for name in self.folders[entry].foreign(path)]
            elif entry not in self.names or path.is_dir() != (entry in self.folders):
                found.append(entry)
        return found


def _listing(names: list[str], most: int = 3) -> str:
    return ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most else "")


def _forbidden(target: Path) -> str | None:
    """Why ``target`` can never be an output, if it cannot."""
    resolved = target.resolve()
    cwd = Path.cwd().resolve()
    if resolved == Path(resolved.anchor):
        return "is the root directory"
    if resolved == Path.home().resolve():
        return "is the home directory"
    if resolved == cwd:
        return "is the current directory"
    if resolved in cwd.parents:
        return "holds the current directory"
    return None


def _placeable(target: Path) -> None:
    """Raise OutputError if nothing can be written at ``target``'s place (bad path, a file above it)."""
    reason = _forbidden(target)
    if reason:
        raise OutputError(f"{target}: {reason}; choose another path")
    if target.is_symlink():
        raise OutputError(f"{target}: is a symbolic link")
    blocking = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise OutputError(f"{target}: {blocking} is not a directory")


def earlier_output(target: Path, kind: Kind) -> bool:
    """Whether ``target`` holds an earlier output of ``kind`` (False: missing or empty).

    Raises OutputError when scslab must not write there at all: a forbidden path, not a
    directory, or a directory holding anything ``kind`` does not write.
    """
    target = Path(target)
    _placeable(target)
    if not target.exists():
        return False
    if not target.is_dir():
        raise OutputError(f"{target}: exists and is not a directory")
    if not os.listdir(target):
        return False
    entries, foreign = sorted(os.listdir(target)), kind.foreign(target)
    if not kind.marks <= set(entries):
        raise OutputError(f"{target}: is not empty and holds no earlier {kind.what} ({_listing(foreign or entries)}); "
                          "scslab writes only into a new or empty directory")
    if foreign:
        raise OutputError(f"{target}: holds an earlier {kind.what} and files scslab did not write "
                          f"({_listing(foreign)}); it is left alone")
    return True


def check_directory(target: Path, kind: Kind, overwrite: bool = False) -> None:
    """Raise OutputError unless an output of ``kind`` may be written at ``target``."""
    if earlier_output(target, kind) and not overwrite:
        raise OutputError(f"{target}: holds an earlier {kind.what}; add --overwrite (overwrite=True) to replace it")


def check_file(target: Path, recognise: Callable[[Path], bool], what: str, overwrite: bool = False) -> None:
    """Raise OutputError unless a file may be written at ``target``: new, or, with ``overwrite``,
    an earlier output that ``recognise`` knows as scslab's ``what``."""
    target = Path(target)
    _placeable(target)
    if target.is_dir():
        raise OutputError(f"{target}: is a directory, not a file")
    if not target.exists():
        return
    if not target.is_file() or not recognise(target):
        raise OutputError(f"{target}: exists and is not a {what} written by scslab; it is left alone")
    if not overwrite:
        raise OutputError(f"{target}: holds an earlier {what}; add --overwrite (overwrite=True) to replace it")


def head(path: Path, size: int) -> str:
    """The first ``size`` characters of the text file at ``path`` ("" if it cannot be read)."""
    with contextlib.suppress(OSError, UnicodeDecodeError), open(path, encoding="utf-8") as handle:
        return handle.read(size)
    return ""


def _temporary_name(target: Path) -> str:
    return f".{target.name}.{os.getpid()}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(target: Path) -> None:
    """Remove temporaries of ``target`` (``.NAME.PID.XXXXXXXX.tmp``) left by processes that are gone."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.[a-z0-9_]{{8}}\.tmp")
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            found = pattern.fullmatch(entry.name)
            if not found or int(found[1]) == os.getpid() or _alive(int(found[1])):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


_interrupted = False


def remember_interrupts() -> None:
    """Make Ctrl-C stick. Python raises KeyboardInterrupt wherever the main thread is; raised inside a finalizer
    it is only printed ("Exception ignored in ...") and the program goes on. Here the handler also remembers
    it, so that no output is installed afterwards, and such a swallowed interrupt is not printed."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return

    def handler(signum, frame):
        global _interrupted
        _interrupted = True
        raise KeyboardInterrupt

    def unraisable(info, default=sys.unraisablehook):
        if not (_interrupted and isinstance(info.exc_value, KeyboardInterrupt)):
            default(info)

    signal.signal(signal.SIGINT, handler)
    sys.unraisablehook = unraisable


def _not_interrupted() -> None:
    if _interrupted:
        raise KeyboardInterrupt


def _install(tmp: Path, target: Path, kind: Kind, overwrite: bool) -> None:
    """Rename ``tmp`` to ``target``, checking again what is there now (it may have changed meanwhile)."""
    _not_interrupted()
    if not earlier_output(target, kind):
        try:
            os.replace(tmp, target)  # replaces an empty directory only, atomically
        except OSError as error:
            if error.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise OutputError(f"{target}: was filled by something else while scslab worked") from None
            raise
        return
    if not overwrite:
        raise OutputError(f"{target}: holds an earlier {kind.what}; add --overwrite (overwrite=True) to replace it")
    old = Path(tempfile.mkdtemp(prefix=_temporary_name(target), suffix=".tmp", dir=target.parent))
    os.replace(target, old)
    foreign = kind.foreign(old)
    if foreign:  # something was added since the check: put it all back
        os.replace(old, target)
        raise OutputError(f"{target}: now holds files scslab did not write ({_listing(foreign)}); left as it is")
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_directory(target: Path, kind: Kind, overwrite: bool = False):
    """Yields a temporary directory; when the block ends without error, it becomes ``target``.

    ``target`` must be missing or empty, or hold an earlier output of ``kind`` and ``overwrite``
    be true (see :func:`check_directory`); otherwise OutputError, and nothing is touched.
    """
    target = Path(target)
    check_directory(target, kind, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target)
    tmp = Path(tempfile.mkdtemp(prefix=_temporary_name(target), suffix=".tmp", dir=target.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; results are ordinary files
        yield tmp
        _install(tmp, target, kind, overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_text_atomic(target: Path, text: str) -> Path:
    """Write ``text`` to ``target`` through a temporary file and a rename (callers check ``target`` first)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target)
    fd, name = tempfile.mkstemp(prefix=_temporary_name(target), suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(name, 0o644)
        _not_interrupted()
        os.replace(name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return target
