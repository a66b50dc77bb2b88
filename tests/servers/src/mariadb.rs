//! A throwaway MariaDB server (filled in by the MySQL persister work).
