//! What the file system says of a file, as the cache's shortcut to its content: a file
//! whose stamp (device, inode, size, modification and change times) is the one
//! recorded when it was last read is taken to hold the same bytes, and is neither read
//! nor hashed again. Git's index trusts the same facts.
//!
//! A stamp is recorded only for a file that had settled when it was looked at: its
//! change time (`ctime`, which every write, rename or `chmod` moves forward, and which
//! no user can set back) at least `SETTLE` before the moment the file was opened. Any
//! later write then gives a later change time, so a recorded stamp never comes back for
//! other bytes — even on a file system that keeps times in coarse steps (FAT: 2 s), and
//! even when the file is written again in the very tick it was read in (the "racy"
//! case of git's index). A file written within `SETTLE` of a run is read and hashed as
//! before; it is recorded by a later run.
//!
//! What this trusts, and says here: the file system's clock agrees with this machine's
//! within `SETTLE`, and the file system keeps change times (one that reports none, or
//! no inode, is never recorded). A pseudo-file whose size is not its content (`/proc`,
//! `/sys`) is never recorded either: a stamp is recorded only when as many bytes were
//! read as the size said, and never for a size of 0. A program that changes a file
//! through a memory map may leave its times as they were until the pages are written
//! back; git's index has the same blind spot. `--no-cache` reads every file.

use std::fs::Metadata;
use std::time::{Duration, SystemTime};

/// How long a file must have been left alone before its stamp is recorded.
pub const SETTLE: Duration = Duration::from_secs(3);

/// A file's stamp. Compared whole: one field changed is another file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    /// Modification time: seconds and nanoseconds since the epoch.
    mtime: (i64, i64),
    /// Change time (of the inode), likewise.
    ctime: (i64, i64),
}

impl Stamp {
    /// The stamp of a file from its metadata (taken on the open handle); `None` where
    /// the file system gives no inode or change time, or on a system without them.
    #[cfg(unix)]
    pub fn of(meta: &Metadata) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        let stamp = Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        };
        (stamp.ino != 0 && stamp.ctime != (0, 0)).then_some(stamp)
    }

    #[cfg(not(unix))]
    pub fn of(_meta: &Metadata) -> Option<Stamp> {
        None
    }

    /// Whether the file had been left alone for `SETTLE` at `opened_at` (taken before
    /// the file was opened): its change and modification times both that much earlier.
    /// A time in the future, or one that cannot be compared, is not settled.
    pub fn settled(&self, opened_at: SystemTime) -> bool {
        let Some(limit) = opened_at.checked_sub(SETTLE) else {
            return false;
        };
        [self.ctime, self.mtime]
            .into_iter()
            .all(|t| at(t).is_some_and(|t| t < limit))
    }

    /// Whether the stamp may be recorded for `read` bytes read from the file: it had
    /// settled, and its size is what was read (not a pseudo-file).
    pub fn recordable(&self, opened_at: SystemTime, read: usize) -> bool {
        self.size > 0 && self.size == read as u64 && self.settled(opened_at)
    }

    /// The stamp as bytes, for its key.
    pub fn bytes(&self) -> [u8; 56] {
        let mut out = [0u8; 56];
        let fields = [
            self.dev,
            self.ino,
            self.size,
            self.mtime.0 as u64,
            self.mtime.1 as u64,
            self.ctime.0 as u64,
            self.ctime.1 as u64,
        ];
        for (chunk, f) in out.chunks_exact_mut(8).zip(fields) {
            chunk.copy_from_slice(&f.to_le_bytes());
        }
        out
    }
}

/// A time as seconds and nanoseconds since the epoch, as a `SystemTime`.
fn at((secs, nanos): (i64, i64)) -> Option<SystemTime> {
    let nanos = u32::try_from(nanos).ok().filter(|n| *n < 1_000_000_000)?;
    let since = Duration::new(secs.unsigned_abs(), nanos);
    if secs >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(since)
    } else {
        SystemTime::UNIX_EPOCH
            .checked_sub(Duration::from_secs(secs.unsigned_abs()))?
            .checked_add(Duration::new(0, nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(ctime: i64, mtime: i64) -> Stamp {
        Stamp {
            dev: 1,
            ino: 2,
            size: 10,
            mtime: (mtime, 0),
            ctime: (ctime, 0),
        }
    }

    fn t(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn only_a_file_left_alone_for_the_settling_time_is_settled() {
        let s = stamp(1_000, 1_000);
        // Opened in the same second as the last write, or within SETTLE of it: a write
        // in the same tick would leave the stamp as it is.
        assert!(!s.settled(t(1_000)));
        assert!(!s.settled(t(1_000 + SETTLE.as_secs())));
        assert!(s.settled(t(1_001 + SETTLE.as_secs())));
        // A change time settled but the modification time in the future (set by hand):
        // not settled.
        assert!(!stamp(1_000, 5_000).settled(t(2_000)));
        // A modification time set into the past does not settle a fresh change.
        assert!(!stamp(1_999, 10).settled(t(2_000)));
        // Before the epoch: compared as times, settled when old enough.
        assert!(stamp(-100, -100).settled(t(10)));
        // Nanoseconds out of range: not a time, not settled.
        let mut odd = stamp(1_000, 1_000);
        odd.ctime.1 = 2_000_000_000;
        assert!(!odd.settled(t(5_000)));
    }

    #[test]
    fn a_stamp_is_recorded_only_when_its_size_is_what_was_read() {
        let s = stamp(1_000, 1_000);
        let later = t(10_000);
        assert!(s.recordable(later, 10));
        assert!(
            !s.recordable(later, 9),
            "a pseudo-file: the size is not the content"
        );
        let empty = Stamp { size: 0, ..s };
        assert!(!empty.recordable(later, 0), "a /proc file reports 0");
    }

    #[test]
    fn every_field_is_in_the_bytes() {
        let s = stamp(1_000, 1_000);
        let others = [
            Stamp { dev: 9, ..s },
            Stamp { ino: 9, ..s },
            Stamp { size: 9, ..s },
            Stamp {
                mtime: (1_000, 1),
                ..s
            },
            Stamp {
                mtime: (1_001, 0),
                ..s
            },
            Stamp {
                ctime: (1_000, 1),
                ..s
            },
            Stamp {
                ctime: (1_001, 0),
                ..s
            },
        ];
        for o in others {
            assert_ne!(o.bytes(), s.bytes(), "{o:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_write_of_the_same_size_gives_another_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "机密★10年").unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let before = Stamp::of(&file.metadata().unwrap()).unwrap();
        let mtime = file.metadata().unwrap().modified().unwrap();
        // Another text of the same size, its modification time put back: the change
        // time still moves (the `touch -d` a careless copy does).
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&path, "秘密★10年").unwrap();
        let f = std::fs::File::options().write(true).open(&path).unwrap();
        f.set_modified(mtime).unwrap();
        let after = Stamp::of(&f.metadata().unwrap()).unwrap();
        assert_eq!(after.size, before.size);
        assert_eq!(after.mtime, before.mtime);
        assert_ne!(after, before);
        // Freshly written: not settled now.
        assert!(!after.settled(SystemTime::now()));
    }
}
