//! SIGINT and SIGTERM stop `generate` between chunks (ARCHITECTURE.md § Streaming), so the
//! partial files are removed instead of left looking complete. `estimate` holds them the
//! same way while a server's redo log is cut (ARCHITECTURE.md § Settings put back).

use crate::error::{Error, Result};
use std::path::Path;

/// Set by SIGINT or SIGTERM while `generate` runs (see [`catch_interrupts`]).
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn on_interrupt(sig: libc::c_int) {
    INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
    // A second signal stops at once.
    // SAFETY: signal(2) is async-signal-safe.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
    }
}

/// Makes SIGINT and SIGTERM stop `generate` between chunks, so it can remove
/// its partial files and say what is incomplete instead of dying mid-write.
pub fn catch_interrupts() {
    let handler = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic and resets the disposition.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

/// Whether SIGINT or SIGTERM came since [`catch_interrupts`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst)
}

/// Gives SIGINT and SIGTERM back their default (stop at once), once a
/// stretch that had to finish is over.
pub fn default_interrupts() {
    // SAFETY: signal(2) with SIG_DFL.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::signal(libc::SIGTERM, libc::SIG_DFL);
    }
}

pub(super) fn check_interrupted(dir: Option<&Path>) -> Result<()> {
    if !INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
        return Ok(());
    }
    Err(Error::interrupted(match dir {
        Some(d) => format!(
            "interrupted: the run did not complete; no table, sidecar or manifest.json was written to {} (partial files removed)",
            d.display()
        ),
        None => "interrupted: the output on stdout is incomplete".into(),
    }))
}
