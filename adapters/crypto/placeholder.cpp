// Intentionally empty until the first digest lands.
