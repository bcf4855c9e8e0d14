//! The stored form of an accepted message: compact binary, so that 4 MB of attachments stay
//! about 4 MB (JSON would write every byte as a decimal number).
//!
//! Layout: one version byte (1), a big-endian `u32` length of a JSON head, the head (the
//! `Message` with empty attachment data, plus each attachment's length), then the attachment
//! bytes back to back. The whole is stored inline in the header item when small, otherwise
//! split into part items (see `messages`).

use serde::{Deserialize, Serialize};
use sesame_core::StoreError;
use sesame_core::model::{Attachment, Message};

use crate::error::corrupt;

const VERSION: u8 = 1;

#[derive(Serialize, Deserialize)]
struct Head {
    message: Message,
    attachment_lengths: Vec<usize>,
}

/// Encodes a message.
pub(crate) fn encode(message: &Message) -> Result<Vec<u8>, StoreError> {
    let stripped = message
        .attachments
        .iter()
        .map(|a| Attachment {
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            data: Vec::new(),
        })
        .collect();
    let head = Head {
        message: Message {
            attachments: stripped,
            ..message.clone()
        },
        attachment_lengths: message.attachments.iter().map(|a| a.data.len()).collect(),
    };
    let json =
        serde_json::to_vec(&head).map_err(|e| corrupt(format!("cannot encode message: {e}")))?;
    let json_len = u32::try_from(json.len()).map_err(|_| corrupt("message head too large"))?;
    let data_len: usize = head.attachment_lengths.iter().sum();
    let mut out = Vec::with_capacity(5 + json.len() + data_len);
    out.push(VERSION);
    out.extend_from_slice(&json_len.to_be_bytes());
    out.extend_from_slice(&json);
    for attachment in &message.attachments {
        out.extend_from_slice(&attachment.data);
    }
    Ok(out)
}

/// Decodes what [`encode`] wrote.
pub(crate) fn decode(bytes: &[u8]) -> Result<Message, StoreError> {
    let bad = |why: &str| corrupt(format!("stored message: {why}"));
    let (&version, rest) = bytes.split_first().ok_or_else(|| bad("empty"))?;
    if version != VERSION {
        return Err(bad("unknown version"));
    }
    let (len, rest) = rest
        .split_first_chunk::<4>()
        .ok_or_else(|| bad("truncated"))?;
    let json_len = usize::try_from(u32::from_be_bytes(*len)).map_err(|_| bad("head length"))?;
    let (json, mut data) = rest
        .split_at_checked(json_len)
        .ok_or_else(|| bad("truncated head"))?;
    let head: Head = serde_json::from_slice(json).map_err(|e| bad(&e.to_string()))?;
    let mut message = head.message;
    if head.attachment_lengths.len() != message.attachments.len() {
        return Err(bad("attachment count"));
    }
    for (attachment, len) in message.attachments.iter_mut().zip(head.attachment_lengths) {
        let (bytes, rest) = data
            .split_at_checked(len)
            .ok_or_else(|| bad("truncated attachment"))?;
        attachment.data = bytes.to_vec();
        data = rest;
    }
    if !data.is_empty() {
        return Err(bad("trailing bytes"));
    }
    Ok(message)
}
