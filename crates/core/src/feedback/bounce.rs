//! Classification of synchronous SMTP replies (and DSN status codes) into hard, soft and
//! transient bounces, with a reason.
//!
//! The enhanced status code (RFC 3463 `class.subject.detail`) decides when present, because it
//! is what receivers standardise on; the reply text decides when the code is missing or
//! generic (`5.0.0`, `5.5.0`, bare `550`), because providers word the common cases alike
//! ("user unknown", "mailbox full", "blocked using Spamhaus"). The basic code's class (4xx/5xx)
//! is the last resort. Only a hard bounce says the *address* is bad and suppresses it; a soft
//! bounce refuses this message for good without condemning the address (policy, size, full
//! mailbox); a transient failure is retried.

/// How bad a failed delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BounceKind {
    /// The address does not exist or no longer takes mail: suppress it.
    Hard,
    /// This message was refused for good, the address is fine: do not retry, do not suppress.
    Soft,
    /// A temporary failure: retry later.
    Transient,
}

/// Why a delivery failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BounceReason {
    /// The mailbox does not exist (`5.1.1`, "user unknown", "no such user").
    UnknownUser,
    /// The recipient's domain or host does not exist or accepts no mail (`5.1.2`, `5.4.4`).
    BadDomain,
    /// The mailbox exists but is disabled or closed (`5.2.1`).
    MailboxDisabled,
    /// The mailbox is over quota (`x.2.2`, "mailbox full", "over quota").
    MailboxFull,
    /// The message is too large (`x.3.4`, `5.2.3`).
    MessageTooLarge,
    /// Refused by policy: spam, reputation, blocklists, authentication (`x.7.x`).
    Blocked,
    /// Greylisted: the first attempt from a new sender is deferred on purpose.
    Greylisted,
    /// Too many messages or connections: slow down (`4.7.28`, "rate limit").
    RateLimited,
    /// The content was refused (virus, forbidden attachment, `x.6.x`).
    ContentRejected,
    /// The receiver refused to relay, or a protocol error (`x.5.x`).
    Protocol,
    /// No reply at all: connection refused, timeout, TLS failure.
    Network,
    /// Anything else.
    Other,
}

impl BounceReason {
    /// Short stable name, shown in `DeliverMessage` and stored with bounces.
    pub fn as_str(self) -> &'static str {
        match self {
            BounceReason::UnknownUser => "unknown-user",
            BounceReason::BadDomain => "bad-domain",
            BounceReason::MailboxDisabled => "mailbox-disabled",
            BounceReason::MailboxFull => "mailbox-full",
            BounceReason::MessageTooLarge => "message-too-large",
            BounceReason::Blocked => "blocked",
            BounceReason::Greylisted => "greylisted",
            BounceReason::RateLimited => "rate-limited",
            BounceReason::ContentRejected => "content-rejected",
            BounceReason::Protocol => "protocol",
            BounceReason::Network => "network",
            BounceReason::Other => "other",
        }
    }
}

/// The verdict on one failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bounce {
    /// Hard, soft or transient.
    pub kind: BounceKind,
    /// Why.
    pub reason: BounceReason,
}

impl Bounce {
    /// `hard bounce: unknown-user`, for `DeliverMessage`.
    pub fn label(&self) -> String {
        let kind = match self.kind {
            BounceKind::Hard => "hard bounce",
            BounceKind::Soft => "soft bounce",
            BounceKind::Transient => "deferred",
        };
        format!("{kind}: {}", self.reason.as_str())
    }
}

/// An RFC 3463 enhanced status code `class.subject.detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnhancedCode {
    /// 2 success, 4 persistent transient, 5 permanent.
    pub class: u8,
    /// Subject (1 address, 2 mailbox, 3 mail system, 4 network, 5 protocol, 6 content, 7 policy).
    pub subject: u16,
    /// Detail.
    pub detail: u16,
}

impl EnhancedCode {
    /// Finds the first `d.ddd.ddd` token in `text` whose class is 2, 4 or 5 (Gmail writes it
    /// after a continuation dash: `550-5.1.1 …`).
    pub fn find(text: &str) -> Option<Self> {
        text.split(|c: char| {
            c.is_whitespace() || matches!(c, '-' | '(' | ')' | '[' | ']' | ';' | ',' | '#')
        })
        .find_map(Self::parse)
    }

    /// Parses exactly `d.ddd.ddd`.
    pub fn parse(token: &str) -> Option<Self> {
        let mut parts = token.split('.');
        let (class, subject, detail) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some()
            || class.len() != 1
            || !(1..=3).contains(&subject.len())
            || !(1..=3).contains(&detail.len())
        {
            return None;
        }
        let class: u8 = class.parse().ok()?;
        if !matches!(class, 2 | 4 | 5) {
            return None;
        }
        Some(Self {
            class,
            subject: subject.parse().ok()?,
            detail: detail.parse().ok()?,
        })
    }
}

/// Phrases providers use, checked in order (lower case). The first match gives the reason.
const PHRASES: &[(&str, BounceReason)] = &[
    ("greylist", BounceReason::Greylisted),
    ("graylist", BounceReason::Greylisted),
    ("try again later", BounceReason::Greylisted),
    ("rate limit", BounceReason::RateLimited),
    ("too many", BounceReason::RateLimited),
    ("mailbox full", BounceReason::MailboxFull),
    ("mailbox is full", BounceReason::MailboxFull),
    ("over quota", BounceReason::MailboxFull),
    ("quota exceeded", BounceReason::MailboxFull),
    ("insufficient storage", BounceReason::MailboxFull),
    ("spamhaus", BounceReason::Blocked),
    ("blocked", BounceReason::Blocked),
    ("blacklist", BounceReason::Blocked),
    ("blocklist", BounceReason::Blocked),
    ("spam", BounceReason::Blocked),
    ("reputation", BounceReason::Blocked),
    ("policy", BounceReason::Blocked),
    ("dmarc", BounceReason::Blocked),
    ("not authenticated", BounceReason::Blocked),
    ("unauthenticated", BounceReason::Blocked),
    ("too large", BounceReason::MessageTooLarge),
    ("size limit", BounceReason::MessageTooLarge),
    ("virus", BounceReason::ContentRejected),
    ("disabled", BounceReason::MailboxDisabled),
    ("inactive", BounceReason::MailboxDisabled),
    ("deactivated", BounceReason::MailboxDisabled),
    ("user unknown", BounceReason::UnknownUser),
    ("unknown user", BounceReason::UnknownUser),
    ("no such user", BounceReason::UnknownUser),
    ("does not exist", BounceReason::UnknownUser),
    ("doesn't exist", BounceReason::UnknownUser),
    ("user not found", BounceReason::UnknownUser),
    ("recipient not found", BounceReason::UnknownUser),
    ("address rejected", BounceReason::UnknownUser),
    ("invalid recipient", BounceReason::UnknownUser),
    ("unknown recipient", BounceReason::UnknownUser),
    ("mailbox unavailable", BounceReason::UnknownUser),
    ("mailbox not found", BounceReason::UnknownUser),
    ("no mailbox", BounceReason::UnknownUser),
    ("host not found", BounceReason::BadDomain),
    ("domain not found", BounceReason::BadDomain),
    ("no mx", BounceReason::BadDomain),
    ("relay access denied", BounceReason::Protocol),
    ("relaying denied", BounceReason::Protocol),
];

/// The reason a specific enhanced code gives, or `None` when it is too generic to tell
/// (`x.0.0`, `x.1.0`, `x.7.0`…): then the reply text decides.
fn reason_of_code(code: EnhancedCode) -> Option<BounceReason> {
    use BounceReason::*;
    Some(match (code.subject, code.detail) {
        (_, 0) => return None,
        (1, 2) => BadDomain,
        (1, _) => UnknownUser,
        (2, 1) => MailboxDisabled,
        (2, 2) => MailboxFull,
        (2, 3) | (3, 4) => MessageTooLarge,
        // RFC 3463 says "no answer from host", but Exchange Online, the largest sender of
        // 5.4.1, uses it for "Recipient address rejected: Access denied".
        (4, 1) if code.class == 5 => UnknownUser,
        (4, 4) => BadDomain,
        (4, _) => Network,
        (5, _) => Protocol,
        (6, _) => ContentRejected,
        (7, 28) => RateLimited,
        (7, _) => Blocked,
        _ => return None,
    })
}

/// What a generic enhanced code still says when the text says nothing we know.
fn reason_of_subject(code: EnhancedCode) -> Option<BounceReason> {
    match code.subject {
        4 => Some(BounceReason::Network),
        6 => Some(BounceReason::ContentRejected),
        7 => Some(BounceReason::Blocked),
        _ => None,
    }
}

fn reason_of_text(text: &str) -> Option<BounceReason> {
    let lower = text.to_ascii_lowercase();
    PHRASES
        .iter()
        .find(|(phrase, _)| lower.contains(phrase))
        .map(|&(_, reason)| reason)
}

fn kind_of_permanent(reason: BounceReason) -> BounceKind {
    match reason {
        BounceReason::UnknownUser | BounceReason::BadDomain | BounceReason::MailboxDisabled => {
            BounceKind::Hard
        }
        // A 5xx that asks to come back later (greylisting worded as 550, throttling) is not
        // a verdict on the message: retry.
        BounceReason::Greylisted | BounceReason::RateLimited | BounceReason::Network => {
            BounceKind::Transient
        }
        _ => BounceKind::Soft,
    }
}

/// Classifies a failed delivery from its basic reply code (0 when there was no reply) and
/// reply text (which may hold an enhanced code). A `2xx` is not a failure and classifies as
/// transient `Other`; callers only ask about failures.
pub fn classify(code: u16, text: &str) -> Bounce {
    let enhanced = EnhancedCode::find(text);
    let class = match (code / 100, enhanced) {
        (4 | 5, _) => (code / 100) as u8,
        (_, Some(e)) => e.class,
        _ => 0,
    };
    if class != 5 && class != 4 {
        let reason = if code == 0 {
            BounceReason::Network
        } else {
            BounceReason::Other
        };
        return Bounce {
            kind: BounceKind::Transient,
            reason,
        };
    }
    // A specific enhanced code wins over the words around it; the words refine a generic one.
    let reason = enhanced
        .filter(|e| e.class == class)
        .and_then(reason_of_code)
        .or_else(|| reason_of_text(text))
        .or_else(|| enhanced.and_then(reason_of_subject))
        .unwrap_or(BounceReason::Other);
    let kind = if class == 4 {
        BounceKind::Transient
    } else if reason == BounceReason::Other {
        // A bare 550 without words we know: receivers use it overwhelmingly for unknown
        // mailboxes, but condemning an address on a guess would suppress good recipients.
        BounceKind::Soft
    } else {
        kind_of_permanent(reason)
    };
    Bounce { kind, reason }
}

/// Classifies a DSN `Status:` field (an enhanced code such as `5.1.1`) with its diagnostic
/// text, for asynchronous bounces.
pub fn classify_status(status: &str, diagnostic: &str) -> Bounce {
    let code = match EnhancedCode::parse(status.trim()) {
        Some(e) if e.class == 5 => 550,
        Some(e) if e.class == 4 => 450,
        Some(_) => 250,
        None => 0,
    };
    classify(code, &format!("{} {diagnostic}", status.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use BounceKind::*;
    use BounceReason::*;

    #[test]
    fn replies_classify_by_enhanced_code_then_text_then_class() {
        let table: &[(u16, &str, BounceKind, BounceReason)] = &[
            (550, "5.1.1 no such user", Hard, UnknownUser),
            (
                550,
                "5.1.1 <ann@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
                Hard,
                UnknownUser,
            ),
            (
                550,
                "-5.1.1 The email account that you tried to reach does not exist. Please try double-checking",
                Hard,
                UnknownUser,
            ),
            (
                550,
                "5.4.1 Recipient address rejected: Access denied. AS(201806281)",
                Hard,
                UnknownUser,
            ),
            (
                550,
                "5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
                Hard,
                UnknownUser,
            ),
            (
                550,
                "Requested action not taken: mailbox unavailable",
                Hard,
                UnknownUser,
            ),
            (
                553,
                "sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
                Soft,
                Blocked,
            ),
            (
                554,
                "5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain",
                Hard,
                BadDomain,
            ),
            (
                550,
                "5.2.1 The email account that you tried to reach is disabled",
                Hard,
                MailboxDisabled,
            ),
            (
                552,
                "5.2.2 The email account that you tried to reach is over quota",
                Soft,
                MailboxFull,
            ),
            (
                452,
                "4.2.2 The email account that you tried to reach is over quota",
                Transient,
                MailboxFull,
            ),
            (550, "Mailbox full", Soft, MailboxFull),
            (
                552,
                "5.3.4 Message size exceeds fixed limit",
                Soft,
                MessageTooLarge,
            ),
            (
                554,
                "5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
                Soft,
                Blocked,
            ),
            (
                550,
                "5.7.26 This message does not pass authentication checks (SPF and DKIM both do not pass)",
                Soft,
                Blocked,
            ),
            (
                550,
                "5.7.1 Message rejected as spam by Content Filtering",
                Soft,
                Blocked,
            ),
            (554, "5.6.0 Message contains a virus", Soft, ContentRejected),
            (
                450,
                "4.2.0 <ann@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/",
                Transient,
                Greylisted,
            ),
            (
                451,
                "Greylisting in action, please come back later",
                Transient,
                Greylisted,
            ),
            (550, "Greylisted, try again later", Transient, Greylisted),
            (
                421,
                "4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to user complaints",
                Transient,
                Blocked,
            ),
            (
                421,
                "4.7.28 Our system has detected an unusual rate of unsolicited mail",
                Transient,
                RateLimited,
            ),
            (451, "4.3.0 Temporary lookup failure", Transient, Other),
            (0, "connection refused", Transient, Network),
            (550, "go away", Soft, Other),
            (500, "5.5.1 Syntax error", Soft, Protocol),
            (554, "Relay access denied", Soft, Protocol),
        ];
        for &(code, text, kind, reason) in table {
            let got = classify(code, text);
            assert_eq!((got.kind, got.reason), (kind, reason), "{code} {text}");
        }
    }

    #[test]
    fn dsn_status_fields_classify_like_replies() {
        assert_eq!(
            classify_status("5.1.1", "smtp; 550 5.1.1 user unknown").kind,
            Hard
        );
        assert_eq!(
            classify_status("4.4.7", "delivery time expired").kind,
            Transient
        );
        assert_eq!(classify_status("5.2.2", "").reason, MailboxFull);
        assert_eq!(classify_status("garbage", "").reason, Network);
    }

    #[test]
    fn enhanced_codes_are_found_only_where_well_formed() {
        assert_eq!(
            EnhancedCode::find("550-5.1.1 x"),
            Some(EnhancedCode {
                class: 5,
                subject: 1,
                detail: 1
            })
        );
        assert_eq!(EnhancedCode::find("version 1.2.3"), None);
        assert_eq!(EnhancedCode::find("192.0.2.1 blocked"), None);
        assert_eq!(EnhancedCode::find("(#5.7.1)").map(|e| e.subject), Some(7));
    }
}
