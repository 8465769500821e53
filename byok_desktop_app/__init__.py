"""The launcher: parses the command line, then starts the GUI (``ui``) or a headless
command (``byok_desktop.cli``). Kept apart from both so that neither the Qt-free core
nor the Qt layer has to know the other, and so that no top-level ``main`` module is
installed."""
