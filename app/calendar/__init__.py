"""Appointments and visits (Termine, Besuche) with reports, the personal calendar and its iCalendar feed."""
