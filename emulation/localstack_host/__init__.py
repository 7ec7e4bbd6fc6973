"""LocalStack on this host, without Docker: where it lives, which Python runs it, how it
is installed, and what its processes use. ``emulation.lsctl`` starts and stops it."""
