"""APScheduler wiring; each job is a thin call of a domain service."""
