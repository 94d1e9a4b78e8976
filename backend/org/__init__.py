"""Jurisdictions and property: streets, communities, estates, buildings, units, companies."""
