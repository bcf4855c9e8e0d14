//! Checks of the [`Sequences`] port.

use std::collections::HashSet;

use super::fixtures::join_all;
use crate::ports::Sequences;

/// Each named sequence counts 1, 2, 3, … on its own.
pub async fn sequences_count_from_one_per_name<R: Sequences>(r: &R) {
    for expected in 1..=3 {
        assert_eq!(r.next("template").await.expect("next"), expected);
    }
    assert_eq!(r.next("task").await.expect("next"), 1);
    assert_eq!(r.next("template").await.expect("next"), 4);
}

/// 32 concurrent callers, 5 values each: 160 distinct values, exactly 1..=160.
pub async fn sequences_never_repeat_under_concurrent_callers<R: Sequences>(r: &R) {
    let callers = (0..32).map(|_| async {
        let mut mine = Vec::new();
        for _ in 0..5 {
            mine.push(r.next("template").await.expect("next"));
        }
        mine
    });
    let values: Vec<u64> = join_all(callers).await.into_iter().flatten().collect();
    let distinct: HashSet<u64> = values.iter().copied().collect();
    assert_eq!(distinct.len(), 160, "a value was handed out twice");
    assert_eq!(distinct, (1..=160).collect::<HashSet<u64>>());
}
