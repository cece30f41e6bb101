//! The exit status, decided here for every command: error kinds map to codes
//! in one place, and a closed stdout ends the process the way it ends `cat`
//! (ARCHITECTURE.md § Exit codes).

use crate::error::{ErrorKind, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0.
    Success,
    /// 1: verification, a threshold or a check failed.
    Failed,
    /// 2: bad usage, profile or configuration.
    Usage,
    /// 3: the target (or an output path) could not be reached or used.
    Target,
    /// 130: stopped by SIGINT or SIGTERM.
    Interrupted,
}

impl ExitStatus {
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failed => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Target => 3,
            ExitStatus::Interrupted => 130,
        }
    }
}

impl From<ErrorKind> for ExitStatus {
    fn from(kind: ErrorKind) -> ExitStatus {
        match kind {
            ErrorKind::Failed => ExitStatus::Failed,
            ErrorKind::Usage => ExitStatus::Usage,
            ErrorKind::Target => ExitStatus::Target,
            ErrorKind::Interrupted => ExitStatus::Interrupted,
        }
    }
}

/// A command's result as a status; an error is printed (unless stdout's
/// reader is gone, which ends the process here).
pub fn status(result: Result<ExitStatus>) -> ExitStatus {
    match result {
        Ok(status) => status,
        Err(e) => {
            exit_if_stdout_closed();
            eprintln!("error: {e}");
            e.kind.into()
        }
    }
}

/// clap's own errors: `--help` and `--version` succeed, the rest are usage.
pub fn parse_failed(e: &clap::Error) -> ExitStatus {
    let _ = e.print();
    match e.kind() {
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
            ExitStatus::Success
        }
        _ => ExitStatus::Usage,
    }
}

/// When whoever reads our output goes away (`understudy … | head`), stop
/// the way `cat` or `ls` do: killed by SIGPIPE (status 141 in a shell), no
/// message. Rust ignores SIGPIPE, so a write to the closed pipe fails with
/// EPIPE instead: `println!` panics on it and `write!` returns an error.
/// Both end here, once for every command: the panic hook and the error path
/// of `main` check whether stdout's reader is gone.
pub fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Only `print!`'s own panic: a panic elsewhere (a server task whose
        // socket broke) must not end a process whose stdout happens to be closed.
        let msg = info.payload_as_str().unwrap_or("");
        if msg.starts_with("failed printing to stdout") {
            exit_if_stdout_closed();
        }
        default(info);
    }));
}

/// Dies of SIGPIPE when stdout is a pipe without a reader; returns otherwise.
fn exit_if_stdout_closed() {
    let mut p = libc::pollfd {
        fd: libc::STDOUT_FILENO,
        events: 0,
        revents: 0,
    };
    // A pipe whose read end is closed polls as POLLERR (Linux, the BSDs).
    let gone = unsafe { libc::poll(&mut p, 1, 0) } == 1 && p.revents & libc::POLLERR != 0;
    if gone {
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            libc::raise(libc::SIGPIPE);
        }
        std::process::exit(128 + libc::SIGPIPE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    /// The codes ARCHITECTURE.md § Exit codes and every `--help` document.
    #[test]
    fn error_kinds_end_with_the_documented_codes() {
        for (e, code) in [
            (Error::failed("x"), 1),
            (Error::usage("x"), 2),
            (Error::target("x"), 3),
            (Error::interrupted("x"), 130),
        ] {
            assert_eq!(status(Err(e)).code(), code);
        }
        assert_eq!(status(Ok(ExitStatus::Success)).code(), 0);
        assert_eq!(status(Ok(ExitStatus::Failed)).code(), 1);
    }
}
