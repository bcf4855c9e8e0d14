//! The earlier clicks of one copy, as the all-links-at-once rule reads them: per link, the
//! click times in order. A batch of thousands of clicks on one link (a hot campaign, or a
//! benchmark) then classifies each click in logarithmic time; a flat list of clicks made the
//! rule quadratic in the batch and the recorder fell behind the edge.

use chrono::{DateTime, Utc};

use super::token::Target;

/// Clicks of one copy, grouped by link. Messages have few links, so a list beats a map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClickHistory {
    /// Each distinct link with its click times, ascending.
    links: Vec<(Target, Vec<DateTime<Utc>>)>,
}

impl ClickHistory {
    /// No clicks.
    pub const fn new() -> Self {
        Self { links: Vec::new() }
    }

    /// Adds a click. Clicks usually arrive in time order (an append); a late one is inserted
    /// in its place.
    pub fn record(&mut self, at: DateTime<Utc>, target: &Target) {
        let index = match self.links.iter().position(|(t, _)| t == target) {
            Some(index) => index,
            None => {
                self.links.push((target.clone(), Vec::new()));
                self.links.len() - 1
            }
        };
        let times = &mut self.links[index].1;
        let position = times.partition_point(|t| *t <= at);
        times.insert(position, at);
    }

    /// How many distinct links, `target` included, have a click in `[at - window, at]`.
    pub fn links_within(
        &self,
        target: &Target,
        at: DateTime<Utc>,
        window: chrono::Duration,
    ) -> usize {
        let since = at - window;
        let others = self
            .links
            .iter()
            .filter(|(link, times)| {
                let first = times.partition_point(|t| *t < since);
                link != target && times.get(first).is_some_and(|t| *t <= at)
            })
            .count();
        others + 1
    }
}

impl FromIterator<(DateTime<Utc>, Target)> for ClickHistory {
    fn from_iter<I: IntoIterator<Item = (DateTime<Utc>, Target)>>(clicks: I) -> Self {
        let mut history = Self::default();
        for (at, target) in clicks {
            history.record(at, &target);
        }
        history
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600 + secs, 0).unwrap()
    }

    fn url(u: &str) -> Target {
        Target::Url(u.into())
    }

    #[test]
    fn counts_distinct_links_clicked_within_the_window_only() {
        let a = url("https://example.com/a");
        let b = url("https://example.com/b");
        let c = url("https://example.com/c");
        let w = chrono::Duration::seconds(2);
        let history: ClickHistory = [(t(10), a.clone()), (t(99), b.clone()), (t(100), a.clone())]
            .into_iter()
            .collect();
        assert_eq!(history.links_within(&c, t(100), w), 3);
        assert_eq!(
            history.links_within(&a, t(100), w),
            2,
            "the link itself counts once"
        );
        assert_eq!(history.links_within(&c, t(103), w), 1, "all clicks too old");
        assert_eq!(
            history.links_within(&c, t(98), w),
            1,
            "clicks after the hit do not count"
        );
    }

    #[test]
    fn late_clicks_keep_times_in_order() {
        let a = url("https://example.com/a");
        let b = url("https://example.com/b");
        let w = chrono::Duration::seconds(2);
        let mut history = ClickHistory::default();
        history.record(t(50), &a);
        history.record(t(10), &a);
        assert_eq!(
            history.links_within(&b, t(11), w),
            2,
            "the late click at 10 is found"
        );
        assert_eq!(history.links_within(&b, t(30), w), 1);
    }

    #[test]
    fn thousands_of_clicks_on_one_link_stay_one_link() {
        let a = url("https://example.com/a");
        let mut history = ClickHistory::default();
        for i in 0..10_000 {
            history.record(t(i / 100), &a);
        }
        assert_eq!(history.links.len(), 1);
        assert_eq!(
            history.links_within(&a, t(100), chrono::Duration::seconds(2)),
            1
        );
    }
}
