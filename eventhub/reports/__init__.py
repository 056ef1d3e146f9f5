"""Reporting for organizations, alliances and sponsors: figures, workbooks, evidence packs.
This layer may read every domain; nothing imports it (DESIGN.md, Layers)."""
