"""Write outputs so that nothing a user gives us is destroyed or left half-written.

One mechanism for every writer. A run folder and a single file are both built
under a temporary name beside their target (``.<name>.partial-<pid>-<random>``,
unique per process, so concurrent runs never share one) and moved into place
with ``os.replace`` only when complete. What may be replaced is narrow:

- a run folder replaces only an empty folder or a previous ticktwin run folder
  (one holding the ``.ticktwin-run`` marker, or an older run's ``summary.json``,
  and nothing ticktwin did not write); anything else needs ``force``, and even
  then never the working directory, one of its parents, or a folder holding the
  run's own inputs;
- a file replaces only a regular file: never a folder, a symbolic link (nor its
  target) or a device node.

Temporaries are removed on failure and on SIGTERM (the CLI turns the signal
into an exception, so ``finally`` blocks run); those of a killed process (its
pid no longer alive) are removed by the next write beside the same target.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from sim.errors import OutputError

RUN_MARKER = ".ticktwin-run"
RUN_FOLDER_ENTRIES = frozenset({RUN_MARKER, "orders.parquet", "fills.parquet", "summary.json",
                                "timeline.parquet", "report.html", "plots"})
STRATEGY_LEDGER = re.compile(r"strategy_[A-Za-z0-9][A-Za-z0-9_-]*\.parquet")
"""A strategy's ledger in a run folder (``strategy_<name>.parquet``)."""
_NAME_KEEP = 64  # characters of the target's name kept in a temporary's name
_INSTALL_ATTEMPTS = 5


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _temporary_prefix(target: Path, kind: str) -> str:
    return f".{target.name[:_NAME_KEEP]}.{kind}-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove temporaries beside ``target`` left by processes that no longer run."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in target.parent.iterdir():
            for kind in ("partial", "old"):
                prefix = _temporary_prefix(target, kind)
                if not entry.name.startswith(prefix):
                    continue
                pid_text = entry.name[len(prefix):].split("-", 1)[0]
                if not pid_text.isdigit() or _pid_alive(int(pid_text)):
                    continue
                _remove(entry)
                removed.append(entry)
    return removed


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _describe(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a regular file"


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"{path}: cannot be examined ({_reason(exc)})") from exc


def is_run_folder(path: Path) -> bool:
    """Whether ``path`` holds a previous ticktwin run and nothing else."""
    try:
        names = {entry.name for entry in path.iterdir()}
    except OSError:
        return False
    if any(name not in RUN_FOLDER_ENTRIES and not STRATEGY_LEDGER.fullmatch(name)
           for name in names):
        return False
    if RUN_MARKER in names:
        return True
    try:
        summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(summary, dict) and {"schema_version", "digest"} <= summary.keys()


def _contains(folder: Path, path: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it (both resolved)."""
    return path == folder or folder in path.parents


def check_run_destination(destination: Path, *, force: bool = False,
                          protected: Iterable[Path] = ()) -> None:
    """Refuse a run-folder target that writing there would destroy; see the module note."""
    status = _lstat(destination)
    if status is None:
        return
    if stat.S_ISLNK(status.st_mode):
        raise OutputError(f"{destination}: is a symbolic link; give the folder itself, or a "
                          "new name, as the run folder")
    if not stat.S_ISDIR(status.st_mode):
        raise OutputError(f"{destination}: exists and is {_describe(status.st_mode)}, not a "
                          "folder; give a new name for the run folder")
    resolved = destination.resolve()
    keep = [Path.cwd().resolve(), *(Path(p).resolve() for p in protected)]
    if resolved.parent == resolved or any(_contains(resolved, path) for path in keep):
        raise OutputError(f"{destination}: holds the working directory or the run's inputs; "
                          "it is never replaced (not even with --force): give a new folder")
    try:
        empty = not any(resolved.iterdir())
    except OSError as exc:
        raise OutputError(f"{destination}: cannot be read ({_reason(exc)})") from exc
    if not (empty or force or is_run_folder(resolved)):
        raise OutputError(f"{destination}: exists and is not a ticktwin run folder; give a new "
                          "or empty folder, or pass --force to replace it")


@contextlib.contextmanager
def run_folder(destination: Path, *, force: bool = False,
               protected: Iterable[Path] = ()) -> Iterator[Path]:
    """Yield a temporary folder beside ``destination``; move it into place on success.

    The destination is checked before and again at the move (another process may have
    written it meanwhile); a run folder already there is moved aside, replaced, then removed.
    """
    destination = Path(destination)
    check_run_destination(destination, force=force, protected=protected)
    parent = destination.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(destination)
        temporary = Path(tempfile.mkdtemp(
            prefix=f"{_temporary_prefix(destination, 'partial')}{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise OutputError(f"{destination}: cannot be created ({_reason(exc)})") from exc
    try:
        (temporary / RUN_MARKER).write_text("written by ticktwin; this folder may be replaced "
                                            "by the next run given this --out\n",
                                            encoding="utf-8")
        yield temporary
        _install_folder(temporary, destination, force=force, protected=protected)
    except OSError as exc:
        raise OutputError(f"{destination}: could not be written ({_reason(exc)})") from exc
    finally:
        _remove(temporary)


def _install_folder(temporary: Path, destination: Path, *, force: bool,
                    protected: Iterable[Path]) -> None:
    """Move ``temporary`` onto ``destination``, moving a previous run folder aside first."""
    protected = list(protected)
    for _ in range(_INSTALL_ATTEMPTS):
        check_run_destination(destination, force=force, protected=protected)
        aside = None
        if destination.exists():
            aside = Path(tempfile.mkdtemp(
                prefix=f"{_temporary_prefix(destination, 'old')}{os.getpid()}-",
                dir=destination.parent))
            os.replace(destination, aside)  # an empty folder: replaced whole
        try:
            os.replace(temporary, destination)
        except OSError:
            if aside is None:
                continue  # another process wrote it meanwhile: check it again
            raise
        finally:
            if aside is not None:
                _remove(aside)
        return
    raise OutputError(f"{destination}: kept being rewritten by another process; try again")


def check_file_destination(path: Path) -> None:
    """Refuse a file target that is not a regular file (folder, symlink, device, pipe)."""
    status = _lstat(path)
    if status is not None and not stat.S_ISREG(status.st_mode):
        raise OutputError(f"{path}: is {_describe(status.st_mode)}; give the path of a regular "
                          "file to write (an existing one is replaced)")


def _new_file_mode(path: Path) -> int:
    status = _lstat(path)
    if status is not None:
        return stat.S_IMODE(status.st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def output_file(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` (a regular file)."""
    path = Path(path)
    check_file_destination(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        handle, name = tempfile.mkstemp(
            prefix=f"{_temporary_prefix(path, 'partial')}{os.getpid()}-", dir=path.parent)
        os.close(handle)
    except OSError as exc:
        raise OutputError(f"{path}: cannot be created ({_reason(exc)})") from exc
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, _new_file_mode(path))
        check_file_destination(path)
        os.replace(temporary, path)
    except OSError as exc:
        raise OutputError(f"{path}: could not be written ({_reason(exc)})") from exc
    finally:
        _remove(temporary)


def write_text_file(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary beside it."""
    with output_file(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
