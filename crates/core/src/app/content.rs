//! Checks of message content fields: subject, bodies, attachments, extra headers.
//! Every value that ends up in a header is refused if it holds a control character, so no
//! request can inject a header.

use super::send::b64;
use crate::error::{ErrorCode, SesError};
use crate::model::Attachment;

/// Most attachments per message.
pub const MAX_ATTACHMENTS: usize = 10;
/// Largest total of attachment bytes (decoded).
pub const MAX_ATTACHMENT_BYTES: usize = 4 * 1024 * 1024;
/// Largest HTML plus text body, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Longest subject, in characters (RFC 5322 line limit).
pub const MAX_SUBJECT_CHARS: usize = 998;

/// Extensions refused as attachments: executables and scripts that providers block anyway.
const FORBIDDEN_EXTENSIONS: &[&str] = &[
    "exe", "bat", "cmd", "com", "scr", "pif", "vbs", "vbe", "js", "jse", "wsf", "wsh", "msi",
    "msp", "cpl", "jar", "ps1", "reg", "hta", "lnk",
];

/// Headers a request may add through SmtpHeaders besides `X-…` headers.
const ALLOWED_HEADERS: &[&str] = &[
    "Precedence",
    "Auto-Submitted",
    "Importance",
    "Priority",
    "Keywords",
    "Comments",
];

/// Checks a (rendered) subject.
pub fn check_subject(subject: &str) -> Result<(), SesError> {
    let len = subject.chars().count();
    if subject.trim().is_empty() || len > MAX_SUBJECT_CHARS {
        return Err(SesError::new(
            ErrorCode::InvalidParameterValueSubjectLengthError,
            format!("Subject must be 1-{MAX_SUBJECT_CHARS} characters."),
        ));
    }
    if subject.chars().any(char::is_control) {
        return Err(SesError::new(
            ErrorCode::InvalidParameterValue,
            "Subject must not contain control characters.",
        ));
    }
    Ok(())
}

/// Decodes one base64 body (Simple.Html / Simple.Text); empty means absent.
pub fn decode_body(raw: Option<&str>) -> Result<Option<String>, SesError> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let wrong = || {
        SesError::new(
            ErrorCode::InvalidParameterValueEmailContentIsWrong,
            "Html and Text must be base64 UTF-8.",
        )
    };
    let bytes = b64(raw).ok_or_else(wrong)?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(SesError::new(
            ErrorCode::FailedOperationEmailContentToolarge,
            "The message body exceeds 1 MB.",
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| wrong())?;
    Ok(Some(text).filter(|t| !t.is_empty()))
}

/// Decodes and checks attachments.
pub fn check_attachments(raw: &[(String, Option<String>)]) -> Result<Vec<Attachment>, SesError> {
    if raw.len() > MAX_ATTACHMENTS {
        return Err(SesError::new(
            ErrorCode::FailedOperationTooManyAttachments,
            "At most 10 attachments are allowed.",
        ));
    }
    let mut total = 0usize;
    let mut out = Vec::with_capacity(raw.len());
    for (name, content) in raw {
        let content_type = check_attachment_name(name)?;
        let data = content.as_deref().and_then(b64).ok_or_else(|| {
            SesError::new(
                ErrorCode::InvalidParameterValueAttachContentIsWrong,
                "Attachment Content must be base64.",
            )
        })?;
        total += data.len();
        if total > MAX_ATTACHMENT_BYTES {
            return Err(SesError::new(
                ErrorCode::FailedOperationAttachContentToolarge,
                "Attachments exceed 4 MB in total.",
            ));
        }
        out.push(Attachment {
            file_name: name.clone(),
            content_type: content_type.to_owned(),
            data,
        });
    }
    Ok(out)
}

fn check_attachment_name(name: &str) -> Result<&'static str, SesError> {
    let bad =
        |why: &str| SesError::new(ErrorCode::FailedOperationInvalidAttachName, why.to_owned());
    if name.trim().is_empty() || name.chars().count() > 255 {
        return Err(bad("FileName must be 1-255 characters."));
    }
    if name
        .chars()
        .any(|c| c.is_control() || matches!(c, '"' | '\\' | '/'))
    {
        return Err(bad(
            "FileName must not contain control characters, quotes or slashes.",
        ));
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if FORBIDDEN_EXTENSIONS.contains(&ext.as_str()) {
        return Err(bad("This attachment type is not allowed."));
    }
    Ok(content_type_for(&ext))
}

fn content_type_for(ext: &str) -> &'static str {
    match ext {
        "pdf" => "application/pdf",
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "htm" | "html" => "text/html",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "zip" => "application/zip",
        "json" => "application/json",
        "xml" => "application/xml",
        "ics" => "text/calendar",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    }
}

/// Parses SmtpHeaders: a JSON object of string values; names must be `X-…` tokens or in the
/// allow-list, values printable without CR/LF and at most 998 characters.
pub fn check_headers(raw: Option<&str>) -> Result<Vec<(String, String)>, SesError> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(Vec::new());
    };
    let bad = |why: &str| {
        SesError::new(
            ErrorCode::InvalidParameterValue,
            format!("SmtpHeaders: {why}"),
        )
    };
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(raw).map_err(|_| bad("must be a JSON object of strings"))?;
    let mut out = Vec::with_capacity(map.len());
    for (name, value) in map {
        let serde_json::Value::String(value) = value else {
            return Err(bad("values must be strings"));
        };
        let token = !name.is_empty()
            && name.len() <= 76
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let allowed = name.len() > 2 && name[..2].eq_ignore_ascii_case("x-")
            || ALLOWED_HEADERS
                .iter()
                .any(|h| h.eq_ignore_ascii_case(&name));
        if !token || !allowed {
            return Err(bad(&format!(
                "header {name:?} is not allowed (use X- headers)"
            )));
        }
        if value.chars().any(char::is_control) || value.chars().count() > 998 {
            return Err(bad(&format!(
                "value of {name} must be printable and at most 998 characters"
            )));
        }
        out.push((name, value));
    }
    Ok(out)
}

/// Checks SmtpMessageId: `<local@domain>` with printable ASCII and no spaces.
pub fn check_message_id(raw: Option<&str>) -> Result<Option<String>, SesError> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let inner = raw.strip_prefix('<').and_then(|r| r.strip_suffix('>'));
    let ok = inner.is_some_and(|i| {
        i.len() <= 250
            && i.split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty())
            && i.bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>'))
    });
    if ok {
        Ok(Some(raw.to_owned()))
    } else {
        Err(SesError::new(
            ErrorCode::InvalidParameterValue,
            "SmtpMessageId must look like <id@domain>.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_injection_is_refused() {
        assert!(check_headers(Some(r#"{"X-Tag":"a\r\nBcc: x@y.com"}"#)).is_err());
        assert!(check_headers(Some(r#"{"Bcc":"x@y.com"}"#)).is_err());
        assert!(check_headers(Some(r#"{"X-Bad Name":"1"}"#)).is_err());
        assert!(check_headers(Some(r#"{"X-Num":1}"#)).is_err());
        assert_eq!(
            check_headers(Some(r#"{"X-Campaign":"spring"}"#)).unwrap(),
            vec![("X-Campaign".into(), "spring".into())]
        );
        assert!(check_subject("Hi\r\nBcc: x@y.com").is_err());
        assert!(check_message_id(Some("<a@b>\r\nX: y")).is_err());
        assert!(check_message_id(Some("<a@b.com>")).is_ok());
    }

    #[test]
    fn attachments_are_bounded() {
        let one = ("a.pdf".to_string(), Some("aGVsbG8=".to_string()));
        assert_eq!(
            check_attachments(std::slice::from_ref(&one)).unwrap()[0].data,
            b"hello"
        );
        assert!(check_attachments(&vec![one.clone(); 11]).is_err());
        assert!(check_attachments(&[("x.exe".into(), Some("aGVsbG8=".into()))]).is_err());
        assert!(check_attachments(&[("a.pdf".into(), Some("***".into()))]).is_err());
        assert!(check_attachments(&[("a.pdf".into(), None)]).is_err());
    }
}
