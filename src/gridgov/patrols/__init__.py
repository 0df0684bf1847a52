"""Patrols (巡查): plans per grid, sessions with GPS tracks and check-ins, findings that become cases."""
