"""The repository's scripts, importable by the tests as `scripts.<name>` (pytest puts the root on the path);
each also runs as `.venv/bin/python scripts/<name>.py`."""
