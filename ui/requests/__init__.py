"""The Requests section: list, editor, import and export."""
