"""Target agreements (Zielvereinbarung): set by the Zentrale, agreed by the partner, revised with history."""
