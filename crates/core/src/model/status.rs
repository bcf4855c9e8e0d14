//! The two status codes of a delivery, as GetSendEmailStatus reports them (reference §6.1,
//! §6.2): every documented code is a variant, and the documented number is what goes on the
//! wire and into storage ([`SendStatus::code`], [`DeliverStatus::code`]). Adapters map a
//! stored number back with `from_code` and report an unknown one as corrupt.

/// `SendStatus`: the service-side processing result of one delivery (reference §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SendStatus {
    /// 0: processed OK.
    Ok,
    /// 1001: internal system error (what Sesame records for its own failures).
    Internal,
    /// 1002: internal system error (another of its documented codes).
    Internal1002,
    /// 1003: internal system error (another of its documented codes).
    Internal1003,
    /// 1004: sending timed out (gave up after the retry budget).
    TimedOut,
    /// 1005: internal system error (another of its documented codes).
    Internal1005,
    /// 1006: frequency control, too many mails to the same address in a short time.
    FrequencyLimited,
    /// 1007: the recipient is blacklisted.
    Blacklisted,
    /// 1008: the recipient's server refused the sender by policy (spam, reputation,
    /// blocklists).
    SenderRejected,
    /// 1009: internal system error (another of its documented codes).
    Internal1009,
    /// 1010: the daily sending limit was exceeded.
    DailyLimitExceeded,
    /// 1011: no permission for custom content; a template is required.
    TemplateRequired,
    /// 1013: the recipient unsubscribed from the sender.
    Unsubscribed,
    /// 2001: no matching record.
    NoMatchingRecord,
    /// 3007: the template id is invalid or unavailable.
    TemplateUnavailable,
    /// 3008: temporarily blocked by the recipient's domain.
    TemporarilyBlocked,
    /// 3009: no permission to use this template.
    TemplateNotPermitted,
    /// 3010: `TemplateData` is malformed.
    TemplateDataMalformed,
    /// 3014: the sender domain is not verified.
    SenderDomainUnverified,
    /// 3020: the recipient's mailbox type is blacklisted.
    MailboxTypeBlacklisted,
    /// 3024: the address failed the format pre-check.
    AddressPrecheckFailed,
    /// 3030: the bounce rate is too high; sending is temporarily restricted.
    BounceRateTooHigh,
    /// 3033: insufficient balance, or the account is in arrears.
    InsufficientBalance,
}

impl SendStatus {
    /// Every status, in code order.
    pub const ALL: [SendStatus; 23] = [
        SendStatus::Ok,
        SendStatus::Internal,
        SendStatus::Internal1002,
        SendStatus::Internal1003,
        SendStatus::TimedOut,
        SendStatus::Internal1005,
        SendStatus::FrequencyLimited,
        SendStatus::Blacklisted,
        SendStatus::SenderRejected,
        SendStatus::Internal1009,
        SendStatus::DailyLimitExceeded,
        SendStatus::TemplateRequired,
        SendStatus::Unsubscribed,
        SendStatus::NoMatchingRecord,
        SendStatus::TemplateUnavailable,
        SendStatus::TemporarilyBlocked,
        SendStatus::TemplateNotPermitted,
        SendStatus::TemplateDataMalformed,
        SendStatus::SenderDomainUnverified,
        SendStatus::MailboxTypeBlacklisted,
        SendStatus::AddressPrecheckFailed,
        SendStatus::BounceRateTooHigh,
        SendStatus::InsufficientBalance,
    ];

    /// The documented number (wire and storage).
    pub fn code(self) -> i64 {
        match self {
            SendStatus::Ok => 0,
            SendStatus::Internal => 1001,
            SendStatus::Internal1002 => 1002,
            SendStatus::Internal1003 => 1003,
            SendStatus::TimedOut => 1004,
            SendStatus::Internal1005 => 1005,
            SendStatus::FrequencyLimited => 1006,
            SendStatus::Blacklisted => 1007,
            SendStatus::SenderRejected => 1008,
            SendStatus::Internal1009 => 1009,
            SendStatus::DailyLimitExceeded => 1010,
            SendStatus::TemplateRequired => 1011,
            SendStatus::Unsubscribed => 1013,
            SendStatus::NoMatchingRecord => 2001,
            SendStatus::TemplateUnavailable => 3007,
            SendStatus::TemporarilyBlocked => 3008,
            SendStatus::TemplateNotPermitted => 3009,
            SendStatus::TemplateDataMalformed => 3010,
            SendStatus::SenderDomainUnverified => 3014,
            SendStatus::MailboxTypeBlacklisted => 3020,
            SendStatus::AddressPrecheckFailed => 3024,
            SendStatus::BounceRateTooHigh => 3030,
            SendStatus::InsufficientBalance => 3033,
        }
    }

    /// The status of a documented number; `None` for any other.
    pub fn from_code(code: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// `DeliverStatus`: what the recipient's side did with one delivery (reference §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliverStatus {
    /// 0: accepted by the service, queued.
    Queued,
    /// 1: delivered.
    Delivered,
    /// 2: dropped (soft bounce after retries, or an internal failure).
    Dropped,
    /// 3: rejected by the recipient's server (hard bounce).
    Rejected,
    /// 8: delayed by the recipient's server; will be retried.
    Delayed,
}

impl DeliverStatus {
    /// Every status, in code order.
    pub const ALL: [DeliverStatus; 5] = [
        DeliverStatus::Queued,
        DeliverStatus::Delivered,
        DeliverStatus::Dropped,
        DeliverStatus::Rejected,
        DeliverStatus::Delayed,
    ];

    /// The documented number (wire and storage).
    pub fn code(self) -> i64 {
        match self {
            DeliverStatus::Queued => 0,
            DeliverStatus::Delivered => 1,
            DeliverStatus::Dropped => 2,
            DeliverStatus::Rejected => 3,
            DeliverStatus::Delayed => 8,
        }
    }

    /// The status of a documented number; `None` for any other.
    pub fn from_code(code: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the status is final: the delivery will never be attempted again.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            DeliverStatus::Delivered | DeliverStatus::Dropped | DeliverStatus::Rejected
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference §6.1, every code of the table.
    const SEND_CODES: [i64; 23] = [
        0, 1001, 1002, 1003, 1005, 1009, 1004, 1006, 1007, 1008, 1010, 1011, 1013, 2001, 3007,
        3008, 3009, 3010, 3014, 3020, 3024, 3030, 3033,
    ];

    #[test]
    fn every_documented_send_status_maps_to_one_variant_and_back() {
        for code in SEND_CODES {
            let status = SendStatus::from_code(code).unwrap_or_else(|| panic!("{code}"));
            assert_eq!(status.code(), code);
        }
        let mut listed: Vec<i64> = SendStatus::ALL.iter().map(|s| s.code()).collect();
        let mut documented = SEND_CODES.to_vec();
        documented.sort_unstable();
        assert!(listed.is_sorted(), "ALL is in code order");
        listed.dedup();
        assert_eq!(listed, documented, "one variant per documented code");
    }

    #[test]
    fn the_send_statuses_sesame_records_keep_their_numbers() {
        let used = [
            (SendStatus::Ok, 0),
            (SendStatus::Internal, 1001),
            (SendStatus::TimedOut, 1004),
            (SendStatus::Blacklisted, 1007),
            (SendStatus::SenderRejected, 1008),
            (SendStatus::Unsubscribed, 1013),
            (SendStatus::SenderDomainUnverified, 3014),
        ];
        for (status, code) in used {
            assert_eq!(status.code(), code, "{status:?}");
        }
    }

    #[test]
    fn undocumented_numbers_are_no_status() {
        for code in [-1, 1, 1012, 2000, 3000, 3034, i64::MAX] {
            assert_eq!(SendStatus::from_code(code), None, "{code}");
        }
        for code in [-1, 4, 5, 6, 7, 9, 1001] {
            assert_eq!(DeliverStatus::from_code(code), None, "{code}");
        }
    }

    #[test]
    fn every_documented_deliver_status_maps_to_one_variant_and_back() {
        let table = [
            (0, DeliverStatus::Queued, false),
            (1, DeliverStatus::Delivered, true),
            (2, DeliverStatus::Dropped, true),
            (3, DeliverStatus::Rejected, true),
            (8, DeliverStatus::Delayed, false),
        ];
        for (code, status, last) in table {
            assert_eq!(DeliverStatus::from_code(code), Some(status));
            assert_eq!(status.code(), code);
            assert_eq!(status.is_final(), last, "{status:?}");
        }
        assert_eq!(DeliverStatus::ALL.len(), table.len());
    }
}
