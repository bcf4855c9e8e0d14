//! The conformance suite: the documented semantics of every port with more than one adapter
//! (keys, sequences, templates, identities, senders, deliveries, lists, quota, counters,
//! warm-up, feedback, events, tasks, job queue, schedules) as executable checks, run against
//! every adapter so that the in-memory, SQLite and AWS backends cannot drift apart.
//!
//! Each check is a `pub async fn name<P: Port>(port: &P)` that panics on a violation and
//! expects a fresh, empty port (some methods, like `Keys::list` and `Deliveries::stale`, see the
//! whole installation). An adapter crate gets one named test per check with a macro:
//!
//! ```ignore
//! // The port itself:
//! sesame_core::deliveries_conformance!(InMemoryRecords::default());
//! // Or a fixture that must outlive the test (a temp dir), and the port inside it:
//! sesame_core::queue_conformance!(let fixture = sqlite_fixture(); fixture.queue);
//! ```
//!
//! The expansion uses `#[tokio::test(flavor = "multi_thread")]`, so the calling crate needs
//! `tokio` (with `macros` and `rt-multi-thread`) among its dev-dependencies. Times passed to
//! records carry whole milliseconds: that is the precision every backend promises.

pub mod counters;
pub mod deliveries;
pub mod events;
pub mod feedback;
mod fixtures;
pub mod identities;
pub mod keys;
pub mod lists;
pub mod queue;
pub mod quota;
pub mod schedules;
pub mod senders;
pub mod sequences;
pub mod tasks;
pub mod templates;
pub mod warmup;

pub use fixtures::join_all;

/// Expands to one `#[tokio::test]` per keys check, calling it with the port built by the
/// argument (see the [module docs](crate::testing::conformance)).
#[macro_export]
macro_rules! keys_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(keys, $fixture, $make, $port;
            ensure_account_is_idempotent,
            keys_round_trip_and_list_oldest_first,
            revoking_a_key_is_idempotent_and_unknown_keys_report_false,
        );
    };
    ($make:expr) => {
        $crate::keys_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per sequences check (see the
/// [module docs](crate::testing::conformance)).
#[macro_export]
macro_rules! sequences_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(sequences, $fixture, $make, $port;
            sequences_count_from_one_per_name,
            sequences_never_repeat_under_concurrent_callers,
        );
    };
    ($make:expr) => {
        $crate::sequences_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per templates check (see the
/// [module docs](crate::testing::conformance)).
#[macro_export]
macro_rules! templates_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(templates, $fixture, $make, $port;
            templates_round_trip_within_their_account,
            other_accounts_cannot_see_change_or_delete_a_template,
            update_template_replaces_name_and_content,
            list_templates_pages_newest_first_with_total,
        );
    };
    ($make:expr) => {
        $crate::templates_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per identities check (see the
/// [module docs](crate::testing::conformance)).
#[macro_export]
macro_rules! identities_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(identities, $fixture, $make, $port;
            create_identity_reports_already_exists_and_owned_by_other,
            other_accounts_cannot_see_change_or_delete_an_identity,
            update_identity_replaces_the_record,
            list_identities_is_oldest_first_and_deleted_domains_are_gone,
            list_all_identities_spans_accounts_ordered_by_domain,
        );
    };
    ($make:expr) => {
        $crate::identities_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per senders check (see the
/// [module docs](crate::testing::conformance)).
#[macro_export]
macro_rules! senders_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(senders, $fixture, $make, $port;
            create_sender_is_unique_per_account,
            other_accounts_cannot_see_or_delete_a_sender,
            list_senders_is_oldest_first_and_deleted_senders_are_gone,
        );
    };
    ($make:expr) => {
        $crate::senders_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per deliveries check, calling it with the port built by
/// the argument (see the [module docs](crate::testing::conformance)).
#[macro_export]
macro_rules! deliveries_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(deliveries, $fixture, $make, $port;
            inserted_message_and_deliveries_are_visible_to_their_account_only,
            failed_insert_message_writes_nothing,
            insert_message_is_never_seen_half_written,
            list_deliveries_filters_by_window_message_and_recipient,
            list_deliveries_pages_oldest_request_first,
            claim_counts_an_attempt_and_holds_until_expiry,
            claim_of_a_final_delivery_is_already_final,
            claim_of_an_unknown_or_foreign_delivery_is_missing,
            concurrent_claimers_have_exactly_one_winner,
            record_outcome_sets_status_and_releases_the_claim,
            record_outcome_of_another_account_changes_nothing,
            record_outcome_never_overwrites_a_final_status,
            record_outcome_with_retry_at_holds_the_delivery_until_then,
            stale_deliveries_are_pending_and_unheld_before_the_cutoff,
        );
    };
    ($make:expr) => {
        $crate::deliveries_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per job-queue check, calling it with the queue built by
/// the argument (see the [module docs](crate::testing::conformance)).
#[macro_export]
macro_rules! queue_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(queue, $fixture, $make, $port;
            received_job_is_gone_after_ack,
            acking_twice_is_not_an_error,
            receive_takes_at_most_max_jobs,
            bodies_round_trip_exactly,
            unacked_job_reappears_after_its_lease_with_a_higher_receive_count,
            retry_later_hides_the_job_for_the_delay,
            retry_later_without_delay_makes_the_job_visible_at_once,
            delayed_enqueue_is_invisible_until_the_delay_passes,
            receive_on_an_empty_queue_returns_within_the_wait,
            receive_returns_early_when_work_arrives,
            concurrent_receivers_never_share_a_leased_job,
        );
    };
    ($make:expr) => {
        $crate::queue_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per quota-ledger check (see the
/// [module docs](crate::testing::conformance)).
#[macro_export]
macro_rules! quota_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(quota, $fixture, $make, $port;
            reserve_grants_in_full_then_in_part_then_nothing,
            a_changed_limit_applies_to_the_next_reservation,
            release_returns_units_and_never_goes_below_zero,
            scopes_and_days_are_independent,
            concurrent_reservers_are_granted_exactly_the_limit,
            concurrent_partial_reservations_add_up_to_the_limit,
        );
    };
    ($make:expr) => {
        $crate::quota_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per counters check (see the
/// [module docs](crate::testing::conformance)).
#[macro_export]
macro_rules! counters_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(counters, $fixture, $make, $port;
            adds_sum_per_name,
            concurrent_adds_sum_exactly,
            accounts_are_isolated,
            read_is_inclusive_and_ordered_by_day_then_dims,
            dims_and_names_round_trip_exactly,
        );
    };
    ($make:expr) => {
        $crate::counters_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per schedules check that every backend passes (put, get,
/// replace, delete; see the [module docs](crate::testing::conformance)).
#[macro_export]
macro_rules! schedules_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(schedules, $fixture, $make, $port;
            put_and_get_round_trip,
            payload_round_trips_exactly,
            put_replaces_a_schedule_of_the_same_name,
            delete_is_idempotent,
        );
    };
    ($make:expr) => {
        $crate::schedules_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per check of the local backends' due-schedule taking
/// ([`DueSchedules`](crate::ports::DueSchedules)); use together with
/// [`schedules_conformance!`].
#[macro_export]
macro_rules! due_schedules_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(schedules, $fixture, $make, $port;
            one_time_fires_once,
            recurring_fires_every_interval,
            recurring_schedule_ends_at_until,
            take_due_is_earliest_first_and_limited,
            replaced_or_deleted_schedules_fire_as_now_defined,
            concurrent_takers_take_each_fire_once,
        );
    };
    ($make:expr) => {
        $crate::due_schedules_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per check of the tasks port (see the
/// [module docs](crate::testing::conformance)).
#[macro_export]
macro_rules! tasks_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(tasks, $fixture, $make, $port;
            tasks_round_trip_and_updates_are_compare_and_set,
            due_tasks_are_the_awake_ones_in_id_order,
            list_tasks_filters_and_pages_newest_first,
            task_deliveries_are_inserted_only_if_absent,
        );
    };
    ($make:expr) => {
        $crate::tasks_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per batch-task flow over a records backend: the task
/// use-cases run on fakes except the storage ports, which are the store given (`Clone`,
/// implementing every storage port: [`AllRecords`](crate::testing::AllRecords)).
#[macro_export]
macro_rules! task_flow_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(tasks, $fixture, $make, $port;
            an_immediate_task_expands_every_recipient_once_in_chunks,
            a_crash_between_writing_jobs_and_advancing_the_cursor_neither_skips_nor_repeats,
            two_tickers_racing_on_one_task_expand_each_recipient_once,
            a_recurring_task_runs_once_per_interval_with_its_own_counts,
            a_recurring_task_with_term_cycle_runs_once,
            when_the_daily_quota_is_used_up_the_task_pauses_and_resumes_the_next_day,
            the_sender_domains_warm_up_quota_paces_a_task_day_by_day,
            suppressed_and_invalid_recipients_are_skipped_and_counted_by_reason,
            each_recipient_gets_the_template_rendered_with_their_own_data_and_the_ad_marker,
            bad_requests_get_the_documented_errors_and_store_nothing,
        );
    };
    ($make:expr) => {
        $crate::task_flow_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per warm-up records check (see the
/// [module docs](crate::testing::conformance)).
#[macro_export]
macro_rules! warmup_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(warmup, $fixture, $make, $port;
            warmup_state_round_trips_with_revisions,
            warmup_put_with_a_stale_revision_writes_nothing,
            concurrent_warmup_writers_have_exactly_one_winner,
            warmup_states_are_per_scope_and_listed_in_key_order,
            plans_round_trip_and_list_by_name,
            pool_bindings_are_per_subject,
        );
    };
    ($make:expr) => {
        $crate::warmup_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per check of the warm-up gate over a records backend: the
/// use-cases run on fakes except the storage ports, which are the store given (`Clone`,
/// implementing every storage port: [`AllRecords`](crate::testing::AllRecords)).
#[macro_export]
macro_rules! warmup_gate_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(warmup, $fixture, $make, $port;
            thirty_two_workers_send_exactly_the_quota_each_day,
            concurrent_rollovers_decide_a_day_once,
        );
    };
    ($make:expr) => {
        $crate::warmup_gate_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per events check (see the
/// [module docs](crate::testing::conformance)).
#[macro_export]
macro_rules! events_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(events, $fixture, $make, $port;
            hits_round_trip_per_copy_and_are_idempotent,
            replayed_events_are_appended_once_and_set_flags_once,
            each_event_kind_sets_its_own_flag_in_its_account,
            feed_pages_by_cursor_and_hides_unsettled_events,
            unsubscribes_are_per_sender_and_account,
            tracking_switch_is_per_account,
        );
    };
    ($make:expr) => {
        $crate::events_conformance!(let port = $make; port);
    };
}

/// Expands to one `#[tokio::test]` per feedback check: the port's own checks and the
/// feedback scenarios (statistics of a scripted day, replays, DSN and ARF fixtures) run
/// through the use-cases over that backend. The port must be `Clone` and implement every
/// storage port (see the [module docs](crate::testing::conformance)).
#[macro_export]
macro_rules! feedback_conformance {
    (let $fixture:ident = $make:expr; $port:expr) => {
        $crate::__conformance_tests!(feedback, $fixture, $make, $port;
            an_event_counts_once_even_under_concurrent_callers,
            complaints_are_kept_once_per_delivery_and_listed_per_account,
            a_scripted_day_gives_the_hand_computed_statistics,
            a_dsn_suppresses_exactly_its_recipient,
            an_arf_report_suppresses_exactly_its_recipient,
            synchronous_replies_are_classified_and_only_hard_bounces_suppress,
        );
    };
    ($make:expr) => {
        $crate::feedback_conformance!(let port = $make; port);
    };
}

/// Implementation detail of the conformance macros.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests {
    ($suite:ident, $fixture:ident, $make:expr, $port:expr; $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let $fixture = $make;
                $crate::testing::conformance::$suite::$case(&$port).await;
            }
        )+
    };
}

#[cfg(test)]
mod in_memory {
    mod tasks {
        use crate::testing::InMemoryRecords;
        crate::tasks_conformance!(InMemoryRecords::default());
        crate::task_flow_conformance!(InMemoryRecords::default());
    }

    use crate::testing::{InMemoryJobQueue, InMemoryRecords, InMemorySchedules};

    mod deliveries {
        use super::*;
        crate::deliveries_conformance!(InMemoryRecords::default());
    }

    mod identities {
        use super::*;
        crate::identities_conformance!(InMemoryRecords::default());
        crate::senders_conformance!(InMemoryRecords::default());
    }

    mod templates {
        use super::*;
        crate::templates_conformance!(InMemoryRecords::default());
    }

    mod keys {
        use super::*;
        crate::keys_conformance!(InMemoryRecords::default());
        crate::sequences_conformance!(InMemoryRecords::default());
    }
    crate::queue_conformance!(InMemoryJobQueue::default());

    mod quota {
        use super::*;
        crate::quota_conformance!(InMemoryRecords::default());
    }

    mod counters {
        use super::*;
        crate::counters_conformance!(InMemoryRecords::default());
    }

    mod events {
        use super::*;
        crate::events_conformance!(InMemoryRecords::default());
    }

    mod feedback {
        use super::*;
        crate::feedback_conformance!(InMemoryRecords::default());
    }

    mod warmup {
        use super::*;
        crate::warmup_conformance!(InMemoryRecords::default());
        crate::warmup_gate_conformance!(InMemoryRecords::default());
    }

    mod schedules {
        use super::*;
        crate::schedules_conformance!(InMemorySchedules::default());
        crate::due_schedules_conformance!(InMemorySchedules::default());
    }
}
