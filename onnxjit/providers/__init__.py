"""Execution providers: one subpackage each; the interface lives in base.py."""
