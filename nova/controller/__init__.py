"""The control node itself: preflight checks, GPU and container tooling, Debian packages."""
