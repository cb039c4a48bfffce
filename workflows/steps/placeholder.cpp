// Intentionally empty until the first step lands.
