"""Page layout, navigation, the landing page and error pages."""
