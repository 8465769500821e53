"""Help menu: keyboard shortcuts, the manual shipped with the app, the log folder, the
doctor's checks and About."""
