"""Policy as data: validated, versioned, hot-reloadable YAML files per business unit, and the
safe expression language their conditions are written in."""
