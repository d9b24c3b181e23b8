"""QA summaries built from real test results: JUnit XML and Molecule output."""
