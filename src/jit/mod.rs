//! `jit`: just-in-time migration rehearsal.

pub mod activity;
pub mod cli;
pub mod forecast;
pub mod http;
pub mod legacy;
pub mod newsys;
pub mod report;
pub mod run;

/// Fixes glibc's mmap threshold at 128 KiB. By default glibc raises it to the
/// size of the largest freed mmapped block, after which every argon2
/// computation's ~1 MiB of blocks comes from the heap, interleaved with
/// long-lived allocations (each new user): the heap fragments and RSS grows
/// by hundreds of KB per sign-in (10 GB in a 100k-user emulator run). With
/// the threshold fixed those blocks are mmapped and returned at once.
pub fn fixed_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before heavy allocation.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
