"""ISO/IEC 27001:2022 Annex A controls that provisioning touches, and their evidence."""
