"""The bottom layer: errors, paths, settings, YAML, graphs, JSON, templates, exports, processes.

Nothing here imports the rest of Nova; everything else may import it.
"""
