//! Functions used by the workspace integration tests.
