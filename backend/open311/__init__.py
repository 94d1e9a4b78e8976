"""Outside channels through Open311 GeoReport v2: partners, keys, requests, the log."""
