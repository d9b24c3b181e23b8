"""Nova: provision, secure and supervise agent platforms."""

__version__ = "0.1.0"
