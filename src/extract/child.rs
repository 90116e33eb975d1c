//! A child process with bounds: its input written on stdin, its output read whole, its
//! stderr read up to 64 KiB, its wall time bounded (killed when it runs over), and for
//! an external program its address space bounded before it starts. Shared by the PDF
//! worker and the OCR engine; never waits without a bound.

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What a child that ran to its end gave.
pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    /// The first 64 KiB of stderr.
    pub stderr: Vec<u8>,
}

/// Why a child gave no output.
#[derive(Debug)]
pub enum Failure {
    /// It could not be started (the OS error, without "(os error N)").
    Start(String),
    /// It ran past its time and was killed.
    TimedOut,
    /// Waiting for it failed.
    Wait(String),
}

/// Bound the address space of the program `cmd` will run to `bytes` (set in the child
/// between fork and exec, so an external program is bound from its first instruction).
#[cfg(unix)]
pub fn limit_address_space(cmd: &mut Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec and calls only
    // setrlimit, which is async-signal-safe; its struct is built before the fork.
    let limit = libc::rlimit {
        rlim_cur: bytes as libc::rlim_t,
        rlim_max: bytes as libc::rlim_t,
    };
    unsafe {
        cmd.pre_exec(move || {
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
}

#[cfg(not(unix))]
pub fn limit_address_space(_cmd: &mut Command, _bytes: u64) {}

/// Run `cmd` with `input` on its stdin, for at most `time` (`input` may be shared: the
/// PDF's bytes go to the PDF worker and, for a page it cannot decode, to `pdftoppm`).
pub fn run<I>(mut cmd: Command, input: I, time: Duration) -> Result<Output, Failure>
where
    I: std::ops::Deref + Send + 'static,
    I::Target: AsRef<[u8]>,
{
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::Start(super::io_message(&e)))?;
    let (writer, reader, errors) = pipes(&mut child, input);
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > time => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = writer.join();
                let _ = reader.join();
                let _ = errors.join();
                return Err(Failure::TimedOut);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Failure::Wait(super::io_message(&e)));
            }
        }
    };
    let _ = writer.join();
    Ok(Output {
        status,
        stdout: reader.join().unwrap_or_default(),
        stderr: errors.join().unwrap_or_default(),
    })
}

type Joined<T> = std::thread::JoinHandle<T>;

/// Threads that feed stdin and drain stdout and stderr, so that no pipe fills up.
fn pipes<I>(child: &mut Child, input: I) -> (Joined<()>, Joined<Vec<u8>>, Joined<Vec<u8>>)
where
    I: std::ops::Deref + Send + 'static,
    I::Target: AsRef<[u8]>,
{
    let stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        // The child may die before reading everything: that shows in its exit status.
        if let Some(mut stdin) = stdin {
            let _ = stdin.write_all((*input).as_ref());
        }
    });
    let stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(mut stdout) = stdout {
            let _ = stdout.read_to_end(&mut out);
        }
        out
    });
    let stderr = child.stderr.take();
    let errors = std::thread::spawn(move || {
        // Only the start matters (whether the child ran out of memory).
        let mut out = Vec::new();
        if let Some(mut stderr) = stderr {
            let _ = (&mut stderr).take(64 * 1024).read_to_end(&mut out);
            let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        }
        out
    });
    (writer, reader, errors)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn output_and_time_bound() {
        let mut cat = Command::new("cat");
        cat.arg("-");
        let out = run(cat, b"abc".to_vec(), Duration::from_secs(10)).unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, b"abc");
        let mut sleep = Command::new("sleep");
        sleep.arg("5");
        let start = Instant::now();
        assert!(matches!(
            run(sleep, Vec::<u8>::new(), Duration::from_millis(50)),
            Err(Failure::TimedOut)
        ));
        assert!(start.elapsed() < Duration::from_secs(3));
        assert!(matches!(
            run(
                Command::new("/nonexistent/mark-lint-tool"),
                Vec::<u8>::new(),
                Duration::from_secs(1)
            ),
            Err(Failure::Start(_))
        ));
    }

    /// A program bound to a small address space cannot take more.
    #[test]
    fn address_space_bound() {
        let mut sh = Command::new("sh");
        // `head -c` of 64 MiB through a shell variable needs that much memory.
        sh.args([
            "-c",
            "x=$(head -c 67108864 /dev/zero | tr '\\0' a); echo ${#x}",
        ]);
        limit_address_space(&mut sh, 32 << 20);
        let out = run(sh, Vec::<u8>::new(), Duration::from_secs(20)).unwrap();
        assert_ne!(String::from_utf8_lossy(&out.stdout).trim(), "67108864");
    }
}
