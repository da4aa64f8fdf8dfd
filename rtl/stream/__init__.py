"""Stream blocks."""
