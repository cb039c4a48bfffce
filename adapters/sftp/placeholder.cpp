// Intentionally empty until the SFTP codec lands.
