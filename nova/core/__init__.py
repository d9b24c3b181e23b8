"""The bottom layer: errors, paths, YAML loading, graphs, canonical JSON, templates, processes.

Nothing here imports the rest of Nova; everything else may import it.
"""
