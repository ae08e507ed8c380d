"""The Zentrale's steering views: actuals against targets, rolled up over the territory tree."""
