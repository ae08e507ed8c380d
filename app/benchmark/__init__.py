"""The benchmark: partners' KPIs and their groups' released figures, from the database into `kpi/`."""
