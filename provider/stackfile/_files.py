"""Reading the files a stack names (the stack file itself, certificate and key files): regular files only, bounded.

One helper for all of them, so a FIFO, a device, a directory or a file too large is refused the same way everywhere:
before anything is read, a FIFO is never waited on, and a symlink to ``/dev/zero`` never fills memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["FileProblem", "read_regular_file", "resolve_path", "size_text"]

# What a path can name besides a regular file, for "is not a regular file (...)".
_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}
# O_NONBLOCK: opening a FIFO swapped in after the stat() returns at once instead of waiting for a writer.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1 << 16
_LONGEST_SHOWN = 160  # a path longer than this is shortened in messages (the middle left out)


class FileProblem(ValueError):
    """Raised when a named file cannot be used; ``str()`` is ``"<path as written> <reason>"``."""

    def __init__(self, shown: str, reason: str) -> None:
        self.shown = shown
        self.reason = reason
        super().__init__(f"{shown} {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.shown, self.reason))


def size_text(limit: int) -> str:
    """``1 MiB``, ``4 MiB``, ``512 KiB``: a limit as the messages spell it."""
    return f"{limit >> 20} MiB" if limit % (1 << 20) == 0 else f"{limit >> 10} KiB"


def resolve_path(written: str, base_dir: Path) -> Path:
    """A path from the stack file: absolute as is, otherwise relative to the stack file's directory."""
    path = Path(written)
    return path if path.is_absolute() else base_dir / path


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    kind = _KINDS.get(stat.S_IFMT(mode), "not a plain file")
    return f"is not a regular file ({kind})"


def read_regular_file(full: Path, shown: str, limit: int) -> bytes:
    """The bytes of the regular file ``full`` (symlinks followed), at most ``limit`` of them.

    Raises ``FileProblem`` naming ``shown`` (the path as the user wrote it) when the file is missing, unreadable, not
    a regular file or larger than ``limit``. Never blocks on a FIFO and never reads more than ``limit + 1`` bytes,
    even from a file that grows or is swapped while it is read.
    """
    if not shown.isprintable():  # a line break or control character must not reach the output as such
        shown = repr(shown)
    if len(shown) > _LONGEST_SHOWN:
        shown = shown[: _LONGEST_SHOWN // 2] + "…" + shown[-_LONGEST_SHOWN // 2 :]
    try:
        mode = os.stat(full).st_mode
        problem = _not_regular(mode)
        fd = -1 if problem else os.open(full, _OPEN_FLAGS)
    except FileNotFoundError:
        looked = os.path.abspath(full)
        looked = looked if len(looked) <= _LONGEST_SHOWN else "…" + looked[-_LONGEST_SHOWN:]
        raise FileProblem(shown, f"not found (looked for {looked})") from None
    except OSError as exc:
        raise FileProblem(shown, f"cannot be read: {exc.strerror or exc}") from None
    except ValueError:  # a NUL in the path, which the stack-file reader already refuses; a caller may not have
        raise FileProblem(shown, "is not a valid path (it contains a NUL character)") from None
    if problem:
        raise FileProblem(shown, problem)
    try:
        info = os.fstat(fd)
        problem = _not_regular(info.st_mode)  # swapped between stat() and open()
        if problem:
            raise FileProblem(shown, problem)
        if info.st_size > limit:
            raise FileProblem(shown, f"is too large ({info.st_size} bytes; at most {size_text(limit)})")
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise FileProblem(shown, f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if total > limit:  # grew after fstat(), or a file whose size stat() does not tell (e.g. under /proc)
        raise FileProblem(shown, f"is too large (at most {size_text(limit)})")
    return b"".join(chunks)
