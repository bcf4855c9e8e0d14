//! DNS verification against a real DNS server: dnsmasq on loopback, queried by
//! `HickoryResolver`, driving core's UpdateEmailIdentity use-case with real DKIM keys.

mod common;

use common::dnsmasq::{Dnsmasq, Zone};
use sesame_core::app::{DnsRecord, IdentityView};
use sesame_core::model::RecordPurpose;
use sesame_core::ports::{DnsError, Identities, Ports, Resolver};
use sesame_core::secrets::SecretBox;
use sesame_core::settings::Settings;
use sesame_core::testing::{
    FixedClock, InMemoryJobQueue, InMemoryRecords, InMemorySchedules, RecordingMailer, SeqIds,
};
use sesame_core::types::AccountId;
use sesame_core::{Adapters, Sesame, Stores};
use sesame_mail::{HickoryResolver, MailAuthDkim};

const ZONE: &str = "dns.test";
const HOST: &str = "sesame.dns.test";
const SPF: &str = "ip4:127.0.0.1";

struct DnsPorts;

impl Ports for DnsPorts {
    type Keys = InMemoryRecords;
    type Sequences = InMemoryRecords;
    type Templates = InMemoryRecords;
    type Identities = InMemoryRecords;
    type Senders = InMemoryRecords;
    type Deliveries = InMemoryRecords;
    type Quota = InMemoryRecords;
    type Counters = InMemoryRecords;
    type Lists = InMemoryRecords;
    type Warmup = InMemoryRecords;
    type Feedback = InMemoryRecords;
    type Events = InMemoryRecords;
    type Tasks = InMemoryRecords;
    type Queue = InMemoryJobQueue;
    type Schedules = InMemorySchedules;
    type Mailer = RecordingMailer;
    type Dkim = MailAuthDkim;
    type Resolver = HickoryResolver;
    type Clock = FixedClock;
    type Ids = SeqIds;
}

fn app(dns: &Dnsmasq) -> Sesame<DnsPorts> {
    let settings = Settings {
        hostname: HOST.into(),
        spf_include: SPF.into(),
        ..Settings::default()
    };
    Sesame::new(
        Adapters {
            stores: Stores::shared(InMemoryRecords::default()),
            queue: InMemoryJobQueue::default(),
            schedules: InMemorySchedules::default(),
            mailer: RecordingMailer::default(),
            dkim: MailAuthDkim::new(),
            resolver: HickoryResolver::new(Some(dns.addr)).expect("resolver"),
            clock: FixedClock::default(),
            ids: SeqIds::default(),
        },
        settings,
        SecretBox::new(&[7u8; 32]).expect("key"),
    )
}

#[tokio::test]
async fn resolver_concatenates_multi_string_txt_and_tells_missing_names_from_missing_types() {
    let mut zone = Zone::default();
    zone.local(ZONE)
        .txt_strings("long.dns.test", &["v=DKIM1; p=abc", "def", "ghi"])
        .txt("two.dns.test", "first")
        .txt("two.dns.test", "second")
        .mx("dns.test", "MX1.Dns.Test.", 10);
    let dns = Dnsmasq::start(&zone);
    let r = HickoryResolver::new(Some(dns.addr)).expect("resolver");
    assert_eq!(
        r.txt("long.dns.test").await,
        Ok(vec!["v=DKIM1; p=abcdefghi".to_owned()])
    );
    let mut two = r.txt("two.dns.test").await.expect("two");
    two.sort();
    assert_eq!(two, vec!["first", "second"]);
    assert_eq!(
        r.mx("dns.test").await,
        Ok(vec![(10, "mx1.dns.test".to_owned())])
    );
    assert_eq!(r.txt("absent.dns.test").await, Err(DnsError::NxDomain));
    assert_eq!(r.mx("long.dns.test").await, Err(DnsError::NoRecords));
    assert!(
        matches!(r.txt("example.org").await, Err(DnsError::Temporary(_))),
        "REFUSED is not an answer"
    );
}

/// How a case publishes the records its domain was told to publish.
type Publish = fn(&mut Zone, &IdentityView);

fn by(view: &IdentityView, purpose: RecordPurpose) -> Vec<&DnsRecord> {
    view.records
        .iter()
        .filter(|r| r.purpose == purpose)
        .collect()
}

/// Publishes every record except those of `skip`.
fn publish_except(zone: &mut Zone, view: &IdentityView, skip: &[RecordPurpose]) {
    for r in &view.records {
        if skip.contains(&r.purpose) {
            continue;
        }
        match r.record_type {
            "MX" => zone.mx(&r.host, &r.expected, 10),
            _ => zone.txt(&r.host, &r.expected),
        };
    }
}

struct Case {
    name: &'static str,
    dkim_option: Option<u64>,
    publish: Publish,
    verified: bool,
    /// (record, whether it passes, text its detail contains)
    expect: &'static [(RecordPurpose, bool, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        name: "all-right",
        dkim_option: None,
        publish: |z, v| publish_except(z, v, &[]),
        verified: true,
        expect: &[
            (RecordPurpose::Spf, true, ""),
            (RecordPurpose::Dkim, true, ""),
            (RecordPurpose::Dmarc, true, ""),
            (RecordPurpose::Mx, true, ""),
        ],
    },
    Case {
        name: "dual",
        dkim_option: Some(2),
        publish: |z, v| publish_except(z, v, &[]),
        verified: true,
        expect: &[(RecordPurpose::Dkim, true, "")],
    },
    Case {
        name: "no-spf",
        dkim_option: None,
        publish: |z, v| publish_except(z, v, &[RecordPurpose::Spf]),
        verified: false,
        expect: &[(
            RecordPurpose::Spf,
            false,
            "no SPF (TXT) record at no-spf.dns.test",
        )],
    },
    Case {
        name: "spf-without-ours",
        dkim_option: None,
        publish: |z, v| {
            publish_except(z, v, &[RecordPurpose::Spf]);
            z.txt(
                v.identity.domain.as_str(),
                "v=spf1 include:_spf.example.org ~all",
            );
        },
        verified: false,
        expect: &[(
            RecordPurpose::Spf,
            false,
            "SPF record does not include ip4:127.0.0.1",
        )],
    },
    Case {
        name: "two-spf",
        dkim_option: None,
        publish: |z, v| {
            publish_except(z, v, &[]);
            z.txt(v.identity.domain.as_str(), "v=spf1 mx -all");
        },
        verified: false,
        expect: &[(
            RecordPurpose::Spf,
            false,
            "2 SPF records at two-spf.dns.test",
        )],
    },
    Case {
        name: "wrong-dkim",
        dkim_option: None,
        publish: |z, v| {
            publish_except(z, v, &[RecordPurpose::Dkim]);
            let host = &by(v, RecordPurpose::Dkim)[0].host;
            z.txt(
                host,
                "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwrong",
            );
        },
        verified: false,
        expect: &[(
            RecordPurpose::Dkim,
            false,
            "has a different key: p=MIIBIjANBgkq… instead of",
        )],
    },
    Case {
        name: "no-dkim",
        dkim_option: None,
        publish: |z, v| publish_except(z, v, &[RecordPurpose::Dkim]),
        verified: false,
        expect: &[(RecordPurpose::Dkim, false, "(the name does not exist)")],
    },
    Case {
        name: "no-dmarc",
        dkim_option: None,
        publish: |z, v| publish_except(z, v, &[RecordPurpose::Dmarc]),
        verified: true,
        expect: &[(
            RecordPurpose::Dmarc,
            false,
            "no DMARC (TXT) record at _dmarc.no-dmarc.dns.test",
        )],
    },
    Case {
        name: "wrong-mx",
        dkim_option: None,
        publish: |z, v| {
            publish_except(z, v, &[RecordPurpose::Mx]);
            z.mx(v.identity.domain.as_str(), "mx.elsewhere.dns.test", 5);
        },
        verified: true,
        expect: &[(
            RecordPurpose::Mx,
            false,
            "points to mx.elsewhere.dns.test., not sesame.dns.test",
        )],
    },
    Case {
        name: "split-dkim",
        dkim_option: None,
        publish: |z, v| {
            publish_except(z, v, &[RecordPurpose::Dkim]);
            // Split at odd places, with a space a DNS console might add between strings.
            let r = by(v, RecordPurpose::Dkim)[0];
            let (a, rest) = r.expected.split_at(40);
            let (b, c) = rest.split_at(150);
            let b = format!("{b} ");
            z.txt_strings(&r.host, &[a, &b, c]);
        },
        verified: true,
        expect: &[(RecordPurpose::Dkim, true, "")],
    },
];

#[tokio::test]
async fn each_wrong_or_missing_record_is_reported_precisely() {
    // Keys are generated first (they are what must be published), then one server serves
    // every case's domain, each published as its case says.
    let account = AccountId::parse("acme").expect("account");
    let mut zone = Zone::default();
    zone.local(ZONE);
    let placeholder = Dnsmasq::start(&zone);
    let creator = app(&placeholder);
    let mut views = Vec::new();
    for case in CASES {
        let domain = format!("{}.{ZONE}", case.name);
        let view = creator
            .create_identity(&account, &domain, case.dkim_option, vec![])
            .await
            .expect("create");
        (case.publish)(&mut zone, &view);
        views.push(view);
    }
    drop(placeholder);
    let dns = Dnsmasq::start(&zone);
    let checker = app(&dns);
    for view in views {
        checker
            .identities
            .create(&view.identity)
            .await
            .expect("copy");
    }
    for case in CASES {
        let domain = format!("{}.{ZONE}", case.name);
        let view = checker
            .update_identity(&account, &domain, None)
            .await
            .expect("update");
        assert_eq!(
            view.identity.verified, case.verified,
            "{}: {:?}",
            case.name, view.identity.check
        );
        for (purpose, ok, detail) in case.expect {
            for r in by(&view, *purpose) {
                assert_eq!(r.ok, *ok, "{}: {r:?}", case.name);
                assert!(
                    r.detail.contains(detail),
                    "{}: {:?} lacks {detail:?}",
                    case.name,
                    r.detail
                );
                if *ok {
                    assert!(!r.current.is_empty(), "{}: {r:?}", case.name);
                }
            }
        }
        if !case.verified {
            let reason = view.reason().expect("a reason");
            assert!(reason.contains(case.expect[0].2), "{}: {reason}", case.name);
        }
    }
}
