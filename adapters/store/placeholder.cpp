// Intentionally empty until the SQLite register store lands.
