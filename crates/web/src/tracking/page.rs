//! The unsubscribe pages: the confirmation (GET, which changes nothing) with a button that
//! POSTs, and the result. Localized by the message's unsubscribe language.

use sesame_core::tracking::{UnsubscribeTexts, escape_html};

fn page(texts: &UnsubscribeTexts, body: &str) -> String {
    let dir = if texts.rtl { "rtl" } else { "ltr" };
    format!(
        "<!doctype html><html lang=\"{lang}\" dir=\"{dir}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><meta name=\"robots\" content=\"noindex\">\
<title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}}\
button{{font-size:1rem;padding:.6rem 1.2rem;cursor:pointer}}</style></head><body><h1>{title}</h1>{body}</body></html>",
        lang = texts.lang,
        title = escape_html(texts.title),
    )
}

/// The confirmation page: a question and a button posting back to the same URL.
pub(crate) fn confirm(texts: &UnsubscribeTexts, sender: &str) -> String {
    let question = escape_html(texts.question).replace("{sender}", &escape_html(sender));
    page(
        texts,
        &format!(
            "<p>{question}</p><form method=\"post\"><input type=\"hidden\" name=\"confirm\" value=\"1\">\
<button type=\"submit\">{}</button></form>",
            escape_html(texts.button)
        ),
    )
}

/// The page after unsubscribing.
pub(crate) fn done(texts: &UnsubscribeTexts, sender: &str) -> String {
    let text = escape_html(texts.done).replace("{sender}", &escape_html(sender));
    page(texts, &format!("<p>{text}</p>"))
}
