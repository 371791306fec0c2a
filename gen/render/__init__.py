"""Render: Snapshots in, site files out.  Never imports torch."""
