// Intentionally empty until the record formats land.
