"""``python -m emulator``: see ``emulator.server`` and ``--help``."""

from __future__ import annotations

from emulator.server import main

if __name__ == "__main__":
    main()
