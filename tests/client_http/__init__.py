"""Our Tencent Cloud client against the real emulator over loopback HTTP."""
