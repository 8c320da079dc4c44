"""Test support shared by every test folder: the emulator runner and certificate factories."""
