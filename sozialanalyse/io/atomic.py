"""Writing a file atomically: a reader (or a process killed at any moment) sees the old file or
the new one, never a part.

Floor: input/output, so that every floor above (the protected layer's cache files, the build)
can use it. :func:`write` hands a temporary path beside the target to a writer, renames it over
the target when the writer returns, and removes it whatever stopped the writer (an exception,
a full disk, ``KeyboardInterrupt``): no half-written file is left behind.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

__all__ = ["write"]


def write(path: str | Path, writer: Callable[[Path], object]) -> Path:
    """Write ``path`` atomically with ``writer``.

    Parameters
    ----------
    path : str or Path
        The file to write; its folder is created if missing.
    writer : callable
        Called with a temporary path in the same folder (``<name>.<pid>.tmp``); it writes the
        whole file there (e.g. ``lambda tmp: pq.write_table(table, tmp)``). Its return value is
        ignored.

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    The temporary file is renamed over ``path`` with :func:`os.replace` (atomic on POSIX and
    Windows within one file system, hence beside the target). If ``writer`` raises, ``path``
    keeps its old content (or stays absent), the temporary file is removed and the exception
    propagates.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write(folder / "a.txt", lambda tmp: tmp.write_text("neu")).read_text()
    'neu'
    >>> def broken(tmp):
    ...     tmp.write_text("hal")
    ...     raise OSError("disk full")
    >>> try:
    ...     write(folder / "a.txt", broken)
    ... except OSError:
    ...     pass
    >>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
    ('neu', ['a.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        writer(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
