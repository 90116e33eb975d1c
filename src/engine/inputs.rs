//! Inputs whose bytes do not come from a file on disk: stdin and the blobs staged in
//! the git index, read one at a time within the run's budget.

use std::path::{Path, PathBuf};

use crate::{budget, extract, git, input};

/// Inputs whose bytes do not come from a file on disk: stdin and staged blobs, by the
/// path shown for them. Both are read when their file is checked, within its size
/// limit and the run's memory budget: never all at once, never past the limit.
#[derive(Default)]
pub struct Preloaded {
    /// The path shown for stdin, and whether it was read (it can be, once).
    pub stdin: Option<(PathBuf, std::sync::Mutex<bool>)>,
    pub staged: Option<git::Staged>,
    /// `--diff-base` / `--staged`: the versions at the base revision (ML108). Not an
    /// input of its own: the files it knows are checked as they are now.
    pub history: Option<git::History>,
}

impl Preloaded {
    pub fn new() -> Preloaded {
        Preloaded::default()
    }

    pub fn contains_key(&self, path: &Path) -> bool {
        self.stdin.as_ref().is_some_and(|(p, _)| p == path)
            || self.staged.as_ref().is_some_and(|s| s.get(path).is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.stdin.is_none() && self.staged.as_ref().is_none_or(|s| s.files.is_empty())
    }

    /// The bytes of `path` if it is not on disk (`None`: it is), read at most `limit`,
    /// with the share of the budget they hold.
    pub fn read<'b>(
        &self,
        path: &Path,
        limits: &extract::Limits,
        budget: &'b budget::Budget,
    ) -> Option<PreloadedBytes<'b>> {
        if let Some((p, read)) = &self.stdin
            && p == path
        {
            let mut read = read.lock().unwrap_or_else(|e| e.into_inner());
            if *read {
                return Some((
                    None,
                    Err(extract::ExtractError::Io("stdin was read already".into())),
                ));
            }
            *read = true;
            let bytes = read_stdin(limits.max_bytes);
            let permit = bytes
                .as_ref()
                .ok()
                .map(|b| budget.take(b.len() as u64 * budget::TEXT_COST));
            return Some((permit, bytes));
        }
        let staged = self.staged.as_ref()?;
        let file = staged.get(path)?;
        let cost = file.size.unwrap_or(0).min(limits.max_bytes) * budget::TEXT_COST;
        let permit = budget.take(cost);
        Some((Some(permit), staged.read(file, limits.max_bytes)))
    }
}

/// The bytes of a preloaded input, and the share of the budget they hold.
pub type PreloadedBytes<'b> = (
    Option<budget::Permit<'b>>,
    Result<Vec<u8>, extract::ExtractError>,
);

/// Stdin, at most `limit` bytes: a longer input is refused without reading the rest.
fn read_stdin(limit: u64) -> Result<Vec<u8>, extract::ExtractError> {
    let stdin = std::io::stdin().lock();
    match input::read_to_limit(stdin, 0, limit) {
        Ok(bytes) => Ok(bytes),
        Err(input::ReadError::TooLarge { limit, .. }) => {
            Err(extract::ExtractError::Limit(format!(
                "stdin is longer than the file size limit of {}",
                input::bytes(limit)
            )))
        }
        Err(e) => Err(extract::ExtractError::Io(format!("stdin: {e}"))),
    }
}
