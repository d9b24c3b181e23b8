"""Throwaway local hosts: systemd containers reached over SSH like real nodes."""
