//! Bearer-token authentication (in progress).
