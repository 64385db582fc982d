"""The 360° customer view: everything about one customer a viewer may see, in one call."""
