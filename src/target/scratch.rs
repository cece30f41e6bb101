//! Scratch copies of a target: an empty place beside it that a throwaway
//! load can fill (`estimate`'s samples), removed when dropped. Each kind
//! makes its own through `Driver::scratch` (ARCHITECTURE.md § A target):
//! SQLite a directory beside the database file, PostgreSQL a schema, MySQL
//! a database on the same server.

use super::Target;

/// A fresh, empty copy of a target, removed when dropped (also when the
/// load into it failed).
pub struct Scratch {
    pub target: Target,
    remove: Option<Box<dyn FnOnce() + Send>>,
}

impl Scratch {
    /// `target`, which `remove` takes away again.
    pub fn new(target: Target, remove: impl FnOnce() + Send + 'static) -> Scratch {
        Scratch {
            target,
            remove: Some(Box::new(remove)),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(remove) = self.remove.take() {
            remove();
        }
    }
}

/// The name of scratch copy `tag` of this process on a server
/// (`understudy_estimate_<pid>_<tag>`): a plain identifier, the tag's other
/// characters replaced by `_`.
pub fn name(tag: &str) -> String {
    let tag: String = tag
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("understudy_estimate_{}_{tag}", std::process::id())
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_plain_identifiers() {
        let n = super::name("at-0");
        assert!(n.starts_with("understudy_estimate_"), "{n}");
        assert!(n.ends_with("_at_0"), "{n}");
        assert!(n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    }

    #[test]
    fn dropping_removes() {
        let gone = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let g = gone.clone();
        let s = super::Scratch::new(crate::target::sqlite::target("unused".into()), move || {
            g.store(true, std::sync::atomic::Ordering::SeqCst)
        });
        assert!(!gone.load(std::sync::atomic::Ordering::SeqCst));
        drop(s);
        assert!(gone.load(std::sync::atomic::Ordering::SeqCst));
    }
}
