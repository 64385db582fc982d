"""Business units (credit segments), regions, teams, people, roles and platform identities."""
