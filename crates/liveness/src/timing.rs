//! CPU time, for the benchmarks and the CLI's per-frame figures: on a shared
//! machine, wall time of small calls sticks to scheduler slices.

/// CPU time of the calling thread (Linux `CLOCK_THREAD_CPUTIME_ID`), in ns.
pub fn thread_cpu_ns() -> Option<u64> {
    clock_ns(3)
}

/// CPU time of all threads of this process (Linux `CLOCK_PROCESS_CPUTIME_ID`),
/// in ns: what a call cost when libraries (BLAS) use threads of their own.
pub fn process_cpu_ns() -> Option<u64> {
    clock_ns(2)
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn clock_ns(clock: i32) -> Option<u64> {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec (two 64-bit fields on 64-bit
    // Linux) into the valid, exclusively borrowed `ts`.
    let rc = unsafe { clock_gettime(clock, &mut ts) };
    (rc == 0).then(|| ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn clock_ns(_clock: i32) -> Option<u64> {
    None
}
