//! `sesame receivers create` (as CreateReceiver) and `sesame receivers import --receiver ID
//! FILE.csv`, which loads a recipient list of any size into a group through the same row
//! checks and chunked upload as CreateReceiverDetail[WithData], without the API's per-request
//! and per-group limits.
//!
//! The CSV has one recipient per line: `email` or `email,templateData` (TemplateData a JSON
//! object, quoted as CSV requires), optionally under a header line starting with `email`.
//! The file is read twice and never held in memory: a first pass checks every row (so a bad
//! file changes nothing and the line at fault is named), a second pass stores the rows in
//! chunks while a progress bar counts them.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use sesame_core::Sesame;
use sesame_core::app::{RowChecker, UploadRow};
use sesame_core::ports::{Ports, ReceiverId};
use sesame_core::types::AccountId;

/// One pass over the file: every data row, numbered by its line.
struct Rows {
    reader: csv::Reader<BufReader<File>>,
    record: csv::StringRecord,
    first: bool,
}

impl Rows {
    fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 20)
            .from_reader(BufReader::with_capacity(1 << 20, file));
        Ok(Self {
            reader,
            record: csv::StringRecord::new(),
            first: true,
        })
    }

    /// The next row and its line number, skipping a header and blank lines.
    fn next(&mut self) -> Result<Option<(u64, UploadRow)>> {
        loop {
            if !self.reader.read_record(&mut self.record)? {
                return Ok(None);
            }
            let line = self.record.position().map_or(0, |p| p.line());
            let email = self.record.get(0).unwrap_or_default().trim();
            let is_header = std::mem::take(&mut self.first)
                && matches!(
                    email.to_ascii_lowercase().as_str(),
                    "email" | "emailaddress" | "email_address" | "address"
                );
            if is_header || (self.record.len() <= 1 && email.is_empty()) {
                continue;
            }
            if self.record.len() > 2 {
                bail!(
                    "line {line}: expected `email` or `email,templateData`, found {} fields",
                    self.record.len()
                );
            }
            let template_data = self
                .record
                .get(1)
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned);
            return Ok(Some((
                line,
                UploadRow {
                    email: email.to_owned(),
                    template_data,
                },
            )));
        }
    }
}

/// `sesame receivers create`: prints `{"ReceiverId"}`.
pub async fn create<P: Ports>(
    app: &Sesame<P>,
    account: &str,
    name: &str,
    desc: &str,
) -> Result<()> {
    let Ok(account) = AccountId::parse(account) else {
        bail!("account names are 1-64 of A-Z a-z 0-9 _ - .");
    };
    let id = app.create_receiver(&account, name, desc).await?;
    println!("{}", json!({ "ReceiverId": id.0 }));
    Ok(())
}

/// `sesame receivers import`: prints one JSON line with the upload's counters and speed.
pub async fn import<P: Ports>(
    app: &Sesame<P>,
    account: &str,
    receiver: u64,
    path: &Path,
) -> Result<()> {
    let Ok(account) = AccountId::parse(account) else {
        bail!("account names are 1-64 of A-Z a-z 0-9 _ - .");
    };
    let id = ReceiverId(receiver);
    let group = app.receiver(&account, id).await?;
    let started = Instant::now();

    // Pass 1: whether rows carry data (decided by the first row), and every check.
    let mut rows = Rows::open(path)?;
    let with_data = match rows.next()? {
        Some((_, row)) => row.template_data.is_some(),
        None => bail!("{} holds no recipients", path.display()),
    };
    let mut rows = Rows::open(path)?;
    let mut checker = RowChecker::new(with_data, group.data_keys.clone(), group.count);
    while let Some((line, row)) = rows.next()? {
        checker
            .check(row)
            .map_err(|e| anyhow::anyhow!("line {line}: {}: {}", e.code, e.message))?;
    }
    let expected = checker.report();
    drop(checker);

    // Pass 2: store. The same checks run again, so the rows kept are those pass 1 counted.
    let progress =
        ProgressBar::with_draw_target(Some(expected.total), ProgressDrawTarget::stderr());
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut checker = RowChecker::new(with_data, group.data_keys.clone(), group.count);
    let mut upload = app.begin_upload(&account, id, &checker).await?;
    let mut rows = Rows::open(path)?;
    let mut n = 0u64;
    while let Some((line, row)) = rows.next()? {
        let kept = checker.check(row).map_err(|e| {
            anyhow::anyhow!(
                "line {line}: {}: {} (the file changed while importing)",
                e.code,
                e.message
            )
        })?;
        if let Some(detail) = kept {
            app.push_row(&mut upload, detail).await?;
        }
        n += 1;
        if n.is_multiple_of(4096) {
            progress.set_position(n);
        }
    }
    app.end_upload(upload, checker.data_keys()).await?;
    progress.finish_and_clear();
    let report = checker.report();
    if report != expected {
        bail!("the file changed while importing; the group holds the rows of the second read");
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({
            "ReceiverId": id.0,
            "TotalCount": report.total,
            "ValidCount": report.valid,
            "InvalidCount": report.invalid,
            "TooLongCount": report.too_long,
            "EmptyEmailCount": report.empty,
            "RepeatCount": report.repeat,
            "Seconds": (seconds * 1000.0).round() / 1000.0,
            "RowsPerSecond": (report.total as f64 / seconds.max(1e-9)).round(),
        })
    );
    Ok(())
}
