//! Rewriting an HTML part for one recipient: every `http(s)` link of an `<a>` tag goes through
//! the click redirect; `mailto:`, `tel:`, `#anchors`, relative links and links marked
//! `data-sesame-notrack` stay as they are. Then a hidden honeypot link, the unsubscribe footer
//! and the open pixel go before `</body>` (or at the end). Text parts are never rewritten.

use super::i18n::{UnsubscribeTexts, escape_html};
use super::token::{Target, is_http_url};

/// What to add to one HTML part. URLs are complete and already signed.
#[derive(Debug, Clone, Default)]
pub struct HtmlAdditions<'a> {
    /// Open pixel URL; `None` when opens are not tracked.
    pub pixel: Option<&'a str>,
    /// Honeypot link URL.
    pub honeypot: Option<&'a str>,
    /// Unsubscribe link URL and its wording.
    pub unsubscribe: Option<(&'a str, &'a UnsubscribeTexts)>,
}

/// Rewrites the links of `html` with `link` (given the original URL, returns the tracking URL,
/// or `None` to leave the link alone), then appends `additions`.
pub fn rewrite_html(
    html: &str,
    mut link: impl FnMut(&Target) -> Option<String>,
    additions: &HtmlAdditions<'_>,
) -> String {
    let mut out = String::with_capacity(html.len() + 512);
    let mut rest = html;
    while let Some(start) = find_anchor_tag(rest) {
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        let tag = &rest[start..start + len];
        out.push_str(&rest[..start]);
        out.push_str(&rewrite_tag(tag, &mut link));
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    append(out, additions)
}

/// Byte offset of the next `<a` followed by whitespace (case-insensitive).
fn find_anchor_tag(html: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut from = 0;
    while let Some(i) = html[from..].find('<').map(|i| i + from) {
        let is_a = bytes
            .get(i + 1)
            .is_some_and(|b| b.eq_ignore_ascii_case(&b'a'));
        let spaced = bytes.get(i + 2).is_some_and(u8::is_ascii_whitespace);
        if is_a && spaced {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

/// Rewrites the `href` of one `<a …` tag (without its `>`).
fn rewrite_tag(tag: &str, link: &mut impl FnMut(&Target) -> Option<String>) -> String {
    let lower = tag.to_ascii_lowercase();
    if lower.contains("data-sesame-notrack") {
        return tag.to_owned();
    }
    let Some((value_start, value_end)) = href_span(tag, &lower) else {
        return tag.to_owned();
    };
    let url = decode_entities(tag[value_start..value_end].trim());
    if !is_http_url(&url) {
        return tag.to_owned();
    }
    match link(&Target::Url(url)) {
        Some(tracked) => format!(
            "{}{}{}",
            &tag[..value_start],
            escape_html(&tracked),
            &tag[value_end..]
        ),
        None => tag.to_owned(),
    }
}

/// The byte range of the `href` value inside a tag (quotes excluded).
fn href_span(tag: &str, lower: &str) -> Option<(usize, usize)> {
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(i) = lower[from..].find("href").map(|i| i + from) {
        from = i + 4;
        let boundary = i > 0 && bytes[i - 1].is_ascii_whitespace();
        let mut j = i + 4;
        while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        if !boundary || bytes.get(j) != Some(&b'=') {
            continue;
        }
        j += 1;
        while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        return match bytes.get(j) {
            Some(&q @ (b'"' | b'\'')) => {
                let end = tag[j + 1..].find(q as char)? + j + 1;
                Some((j + 1, end))
            }
            Some(_) => {
                let end = tag[j..]
                    .find(|c: char| c.is_ascii_whitespace())
                    .map_or(tag.len(), |e| e + j);
                Some((j, end))
            }
            None => None,
        };
    }
    None
}

/// Decodes the entities that appear in URLs (`&amp;` above all) so the redirect goes to the
/// URL the browser would have followed.
fn decode_entities(raw: &str) -> String {
    raw.replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

fn append(mut html: String, additions: &HtmlAdditions<'_>) -> String {
    let mut tail = String::new();
    if let Some(url) = additions.honeypot {
        tail.push_str(&format!(
            "<a href=\"{}\" style=\"display:none;font-size:0;line-height:0\" aria-hidden=\"true\" tabindex=\"-1\"></a>",
            escape_html(url)
        ));
    }
    if let Some((url, texts)) = additions.unsubscribe {
        let dir = if texts.rtl { " dir=\"rtl\"" } else { "" };
        tail.push_str(&format!(
            "<p{dir} style=\"font-size:12px;color:#888888;text-align:center\">{} <a href=\"{}\" style=\"color:#888888\">{}</a></p>",
            escape_html(texts.footer),
            escape_html(url),
            escape_html(texts.link)
        ));
    }
    if let Some(url) = additions.pixel {
        tail.push_str(&format!(
            "<img src=\"{}\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0;width:1px;height:1px\">",
            escape_html(url)
        ));
    }
    match html.to_ascii_lowercase().rfind("</body") {
        Some(at) => html.insert_str(at, &tail),
        None => html.push_str(&tail),
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracking::unsubscribe_texts;

    fn tracked(target: &Target) -> Option<String> {
        match target {
            Target::Url(u) => Some(format!("https://t.example/c/{}", u.len())),
            _ => None,
        }
    }

    #[test]
    fn http_links_are_rewritten_and_others_left_alone() {
        let html = r##"<html><body><a href="https://shop.example/a?x=1&amp;y=2">A</a>
<A class=x HREF='http://shop.example/b'>B</A>
<a href="mailto:help@shop.example">mail</a> <a href="#top">top</a> <a href="/rel">rel</a>
<a data-sesame-notrack href="https://shop.example/keep">keep</a>
<abbr title="x">no</abbr> <a name=anchor>n</a> <a href=https://shop.example/c>C</a>
</body></html>"##;
        let mut seen = Vec::new();
        let out = rewrite_html(
            html,
            |t| {
                seen.push(t.clone());
                tracked(t)
            },
            &HtmlAdditions::default(),
        );
        assert_eq!(
            seen,
            vec![
                Target::Url("https://shop.example/a?x=1&y=2".into()),
                Target::Url("http://shop.example/b".into()),
                Target::Url("https://shop.example/c".into()),
            ]
        );
        assert!(out.contains(r#"<a href="https://t.example/c/30">A</a>"#));
        assert!(out.contains(r#"<A class=x HREF='https://t.example/c/21'>B</A>"#));
        assert!(out.contains(r#"<a href=https://t.example/c/22>C</a>"#));
        assert!(out.contains("mailto:help@shop.example"));
        assert!(out.contains("href=\"#top\""));
        assert!(out.contains("https://shop.example/keep"));
    }

    #[test]
    fn pixel_honeypot_and_footer_go_before_the_body_end() {
        let texts = unsubscribe_texts("2").unwrap();
        let additions = HtmlAdditions {
            pixel: Some("https://t.example/o/P"),
            honeypot: Some("https://t.example/c/H"),
            unsubscribe: Some(("https://t.example/u/U", texts)),
        };
        let out = rewrite_html("<p>Hi</p></BODY></html>", tracked, &additions);
        let body_end = out.find("</BODY>").unwrap();
        for part in ["/o/P", "/c/H", "/u/U", "Unsubscribe</a>"] {
            assert!(out.find(part).unwrap() < body_end, "{part}");
        }
        let bare = rewrite_html("<p>Hi</p>", tracked, &additions);
        assert!(bare.starts_with("<p>Hi</p>") && bare.ends_with("height:1px\">"));
    }
}
