"""Reading and writing files safely: the one place layerguard opens a file it did not make.

A read refuses anything but a regular file before reading a byte (a FIFO named `x.py` would
block forever, a link to /dev/zero would never end). A write goes through a temporary file
beside the target and one rename, so a reader sees the old file or the new one, never half.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# How much each further read asks for, once a file turns out longer than its size said.
_CHUNK = 64 * 1024


class NotRegularFile(OSError):
    """The path is a FIFO, a device, a folder or a socket: it was not read."""


def read_regular_file(path: Path, *, limit: int | None = None, follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file (at most `limit` + 1 of them, so a caller can tell a file
    over its limit). Raises `NotRegularFile` for anything else, `OSError` when it cannot be read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags)
    except ValueError as error:  # a NUL in the name
        raise OSError(str(error)) from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegularFile(f"{path}: not a regular file")
        if limit is None:
            return _read_to_end(descriptor, status.st_size)
        with open(descriptor, "rb", closefd=False) as file:
            return file.read(limit + 1)
    finally:
        os.close(descriptor)


def _read_to_end(descriptor: int, size: int) -> bytes:
    """Every byte from the descriptor's offset to the end of the file, as `file.read()` gives
    them, in plain reads: a file object costs a third of reading 10,000 small files. A file
    that grew since `size` was taken is read to its new end."""
    chunks = [os.read(descriptor, size + 1)]
    while chunks[-1]:  # as `file.read()`, only an empty read is the end
        chunks.append(os.read(descriptor, max(size, _CHUNK)))
    return chunks[0] if len(chunks) == 2 else b"".join(chunks)


def write_atomically(path: Path, *parts: bytes, mode: int | None = None) -> None:
    """Put `parts`, one after the other (never joined into one more copy), at `path` with one
    rename. `mode`: the new file's permission bits; by default an existing file's, else those a
    plain write would give (0o666 less the umask), not mkstemp's 0o600."""
    import tempfile

    if mode is None:
        mode = _existing_mode(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with open(descriptor, "wb") as file:
            for part in parts:
                file.write(part)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _existing_mode(path: Path) -> int:
    try:
        return os.stat(path).st_mode & 0o777  # permission bits only: no set-user-ID
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
