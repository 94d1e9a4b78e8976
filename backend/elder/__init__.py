"""Elder mode (长辈版) and asking a family member for help (请家人帮忙)."""
