"""Contest judging."""
