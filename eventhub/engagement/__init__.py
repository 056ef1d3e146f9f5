"""The hall and after: investor interest at roadshows (融资对接). This layer may use
registrations, check-in and judging alike (DESIGN.md, Layers)."""
