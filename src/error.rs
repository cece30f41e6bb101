//! One error type for the whole tool; its kind decides the exit code, in
//! `cli::exit` (ARCHITECTURE.md § Exit codes).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad usage, profile or configuration: exit 2.
    Usage,
    /// The run completed but verification or a threshold failed: exit 1.
    Failed,
    /// The target (or an output path) could not be reached or used: exit 3.
    Target,
    /// Stopped by SIGINT or SIGTERM before the work was complete: exit 130.
    Interrupted,
}

#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Usage,
            message: message.into(),
        }
    }

    pub fn target(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Target,
            message: message.into(),
        }
    }

    pub fn interrupted(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Interrupted,
            message: message.into(),
        }
    }

    pub fn failed(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Failed,
            message: message.into(),
        }
    }

    /// An I/O error on a path the user chose (output directory, profile file).
    pub fn io(what: &str, path: &std::path::Path, e: std::io::Error) -> Error {
        Error::usage(format!("cannot {what} {}: {e}", path.display()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
