//! A throwaway PostgreSQL cluster (moved here from the three copies).
