//! Parsing of feedback messages: delivery status notifications (RFC 3464,
//! `multipart/report; report-type=delivery-status`) and abuse reports (RFC 5965 ARF,
//! `multipart/report; report-type=feedback-report`). Pure: bytes in, a [`Report`] out.
//!
//! Only what matching and recording need is kept: per-recipient action, status and
//! diagnostic of a DSN; feedback type, arrival date, source IP and reporter of an ARF report;
//! and, for both, every place the VERP address or the original `Message-ID` may appear.

use chrono::{DateTime, Utc};
use mail_parser::{MessageParser, MimeHeaders, PartType};

/// One recipient block of a DSN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsnRecipient {
    /// `Final-Recipient` address (the `rfc822;` type stripped).
    pub final_recipient: String,
    /// `Original-Recipient` address, if given.
    pub original_recipient: Option<String>,
    /// `Action`: `failed`, `delayed`, `delivered`, `relayed`, `expanded` (lower case).
    pub action: String,
    /// `Status`, an enhanced code such as `5.1.1`.
    pub status: String,
    /// `Diagnostic-Code` without its `smtp;` type.
    pub diagnostic: String,
}

/// What a feedback message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportKind {
    /// A delivery status notification.
    Dsn(Vec<DsnRecipient>),
    /// An ARF feedback report.
    Complaint {
        /// `Feedback-Type` (lower case): `abuse`, `fraud`, `virus`, `other`, …
        feedback_type: String,
        /// `Arrival-Date` of the original message at the reporter, if parseable.
        arrival: Option<DateTime<Utc>>,
        /// `Source-IP`.
        source_ip: String,
        /// `Reporting-MTA` (type stripped) or `User-Agent`.
        reporter: String,
        /// `Original-Rcpt-To`, if given (many reporters redact it).
        original_rcpt_to: Option<String>,
    },
}

/// A parsed feedback message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// DSN or complaint.
    pub kind: ReportKind,
    /// Texts that may hold the VERP address: the report's own `To`, `Delivered-To`,
    /// `X-Original-To`, `Envelope-To`, an ARF report's `Original-Mail-From`, and the
    /// original message's `Return-Path`.
    pub return_paths: Vec<String>,
    /// The original message's `Message-ID`, if included.
    pub original_message_id: Option<String>,
    /// The original message's `To` header, if included (for complaints without
    /// `Original-Rcpt-To`).
    pub original_to: Option<String>,
    /// The report's own `Date:` (when the reporter wrote it), if parseable.
    pub date: Option<DateTime<Utc>>,
}

/// Why a message is not a report Sesame understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// Not an RFC 5322 message at all.
    #[error("not a parseable message")]
    Unparseable,
    /// A message, but neither a DSN nor an ARF report.
    #[error("not a delivery-status or feedback-report message")]
    NotAReport,
}

/// Header-style fields of a report body (`Name: value` lines, folded lines joined, blank
/// lines separating groups). Names are lower-cased.
fn field_groups(text: &str) -> Vec<Vec<(String, String)>> {
    let mut groups: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            if !groups.last().is_some_and(Vec::is_empty) {
                groups.push(Vec::new());
            }
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = groups.last_mut().and_then(|g| g.last_mut()) {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            let group = groups.last_mut().expect("never empty");
            group.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    groups.retain(|g| !g.is_empty());
    groups
}

fn field<'a>(group: &'a [(String, String)], name: &str) -> Option<&'a str> {
    group
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// `rfc822; ann@example.org` → `ann@example.org`; `smtp; 550 …` → `550 …`.
fn untyped(value: &str) -> String {
    match value.split_once(';') {
        Some((_, rest)) => rest.trim(),
        None => value.trim(),
    }
    .trim_matches(['<', '>'])
    .to_owned()
}

fn parse_dsn_fields(text: &str) -> Vec<DsnRecipient> {
    // The first group is per-message (Reporting-MTA …); the rest are per-recipient.
    field_groups(text)
        .iter()
        .filter_map(|g| {
            let final_recipient = field(g, "final-recipient").map(untyped)?;
            Some(DsnRecipient {
                final_recipient,
                original_recipient: field(g, "original-recipient").map(untyped),
                action: field(g, "action").unwrap_or("").to_ascii_lowercase(),
                status: field(g, "status")
                    .unwrap_or("")
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_owned(),
                diagnostic: field(g, "diagnostic-code").map(untyped).unwrap_or_default(),
            })
        })
        .collect()
}

/// The report's fields and its `Original-Mail-From` (the envelope sender: our VERP address).
fn parse_arf_fields(text: &str) -> (ReportKind, Option<String>) {
    let fields: Vec<(String, String)> = field_groups(text).into_iter().flatten().collect();
    let get = |n: &str| field(&fields, n).map(str::to_owned);
    let kind = ReportKind::Complaint {
        feedback_type: get("feedback-type")
            .unwrap_or_default()
            .to_ascii_lowercase(),
        arrival: get("arrival-date")
            .and_then(|d| DateTime::parse_from_rfc2822(&d).ok())
            .map(|d| d.with_timezone(&Utc)),
        source_ip: get("source-ip").unwrap_or_default(),
        reporter: get("reporting-mta")
            .map(|m| untyped(&m))
            .or_else(|| get("user-agent"))
            .unwrap_or_default(),
        original_rcpt_to: get("original-rcpt-to").map(|r| untyped(&r)),
    };
    (kind, get("original-mail-from"))
}

/// Parses a raw feedback message.
pub fn parse(raw: &[u8]) -> Result<Report, ReportError> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(ReportError::Unparseable)?;
    if message.headers().is_empty() {
        return Err(ReportError::Unparseable);
    }
    let mut return_paths: Vec<String> = ["To", "Delivered-To", "X-Original-To", "Envelope-To"]
        .iter()
        .filter_map(|h| message.header_raw(*h).map(str::to_owned))
        .collect();
    let mut kind = None;
    let mut original_message_id = None;
    let mut original_to = None;
    for part in &message.parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let ctype = (
            ct.ctype().to_ascii_lowercase(),
            ct.subtype().unwrap_or("").to_ascii_lowercase(),
        );
        match (ctype.0.as_str(), ctype.1.as_str()) {
            ("message", "delivery-status") | ("message", "global-delivery-status") => {
                let text = String::from_utf8_lossy(part.contents());
                kind = Some(ReportKind::Dsn(parse_dsn_fields(&text)));
            }
            ("message", "feedback-report") => {
                let text = String::from_utf8_lossy(part.contents());
                let (arf, mail_from) = parse_arf_fields(&text);
                kind = Some(arf);
                return_paths.extend(mail_from);
            }
            ("message", "rfc822") | ("message", "global") | ("text", "rfc822-headers") => {
                let headers = match &part.body {
                    PartType::Message(inner) => inner
                        .headers_raw()
                        .map(|(n, v)| format!("{n}:{v}"))
                        .collect::<Vec<_>>()
                        .join("\r\n"),
                    _ => String::from_utf8_lossy(part.contents()).into_owned(),
                };
                let fields: Vec<(String, String)> =
                    field_groups(&headers).into_iter().flatten().collect();
                if let Some(rp) = field(&fields, "return-path") {
                    return_paths.push(rp.to_owned());
                }
                original_message_id = field(&fields, "message-id").map(str::to_owned);
                original_to = field(&fields, "to").map(str::to_owned);
            }
            _ => {}
        }
    }
    let kind = kind.ok_or(ReportError::NotAReport)?;
    let date = message
        .header_raw("Date")
        .and_then(|d| DateTime::parse_from_rfc2822(d.trim()).ok())
        .map(|d| d.with_timezone(&Utc));
    Ok(Report {
        kind,
        return_paths,
        original_message_id,
        original_to,
        date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DSN: &str = "From: MAILER-DAEMON@mx.example.org\r\n\
To: bounces+abc@mail.example.com\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\
\r\n\
--B\r\n\
Content-Type: text/plain\r\n\
\r\n\
I'm sorry to have to inform you...\r\n\
--B\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.example.org\r\n\
Arrival-Date: Fri, 27 Nov 2026 08:00:00 +0000\r\n\
\r\n\
Final-Recipient: rfc822; gone@example.org\r\n\
Original-Recipient: rfc822;gone@example.org\r\n\
Action: failed\r\n\
Status: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address\r\n\
\trejected: User unknown\r\n\
\r\n\
--B\r\n\
Content-Type: text/rfc822-headers\r\n\
\r\n\
Return-Path: <bounces+xyz@mail.example.com>\r\n\
Message-ID: <sesame-1.a@mail.example.com>\r\n\
To: gone@example.org\r\n\
\r\n\
--B--\r\n";

    #[test]
    fn a_dsn_yields_its_recipient_blocks_and_return_paths() {
        let r = parse(DSN.as_bytes()).unwrap();
        let ReportKind::Dsn(rcpts) = &r.kind else {
            panic!("{r:?}")
        };
        assert_eq!(rcpts.len(), 1);
        assert_eq!(rcpts[0].final_recipient, "gone@example.org");
        assert_eq!(rcpts[0].action, "failed");
        assert_eq!(rcpts[0].status, "5.1.1");
        assert!(rcpts[0].diagnostic.starts_with("550 5.1.1"));
        assert!(
            rcpts[0].diagnostic.ends_with("rejected: User unknown"),
            "{:?}",
            rcpts[0].diagnostic
        );
        assert!(r.return_paths.iter().any(|p| p.contains("bounces+abc")));
        assert!(r.return_paths.iter().any(|p| p.contains("bounces+xyz")));
        assert_eq!(
            r.original_message_id.as_deref(),
            Some("<sesame-1.a@mail.example.com>")
        );
    }

    #[test]
    fn plain_mail_and_garbage_are_not_reports() {
        assert_eq!(
            parse(b"From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n"),
            Err(ReportError::NotAReport)
        );
        assert!(parse(b"").is_err());
        assert!(parse(&[0xff, 0xfe, 0x00]).is_err());
    }
}
