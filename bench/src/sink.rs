//! Reads the delivered-message counter of Postfix's `smtp-sink -c`, whose stdout (redirected
//! to a file by `bench/run.sh`) is a stream of `sess=N quit=N mesg=N\r` updates; `mesg` counts
//! completed DATA transactions, i.e. deliveries (Sesame sends one transaction per recipient).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// The counter file of a running `smtp-sink -c`.
#[derive(Debug, Clone)]
pub struct SinkCounter {
    path: PathBuf,
}

impl SinkCounter {
    /// A counter read from `path`.
    pub fn new(path: &Path) -> Self {
        SinkCounter {
            path: path.to_path_buf(),
        }
    }

    /// Messages received so far (0 before the first update).
    pub fn read(&self) -> anyhow::Result<u64> {
        let mut file =
            File::open(&self.path).with_context(|| format!("opening {}", self.path.display()))?;
        let len = file.metadata()?.len();
        // Only the tail matters: the last complete update is at most ~60 bytes long.
        file.seek(SeekFrom::Start(len.saturating_sub(256)))?;
        let mut tail = String::new();
        file.read_to_string(&mut tail)?;
        Ok(last_msg_count(&tail).unwrap_or(0))
    }
}

fn last_msg_count(text: &str) -> Option<u64> {
    text.rsplit(['\r', '\n'])
        .filter_map(|update| {
            let (_, rest) = update.split_once("mesg=")?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_last_complete_update() {
        assert_eq!(
            last_msg_count("sess=0 quit=0 mesg=1\rsess=0 quit=0 mesg=2\r"),
            Some(2)
        );
        // A partial update at the very end (written while we read) is skipped.
        assert_eq!(last_msg_count("sess=0 quit=0 mesg=12\rsess=1 qu"), Some(12));
        assert_eq!(last_msg_count("sess=1 quit=1 mesg="), None);
        assert_eq!(last_msg_count(""), None);
    }
}
