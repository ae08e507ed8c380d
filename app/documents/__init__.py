"""The document library (Datenbereitstellung) and the partners' exchange folders."""
