"""Pulumi program: the certificates of ``stacks/<stack>.yaml``, one resource per entry (logic in provider.program)."""

from pathlib import Path

from provider.program import run, tune_collector

tune_collector()
run(Path(__file__).resolve().parent)
