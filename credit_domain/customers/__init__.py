"""Customer master data: legal entities, aliases, groups of related companies."""
