//! The unsubscribe wording in the languages of `Unsubscribe` "1"–"12" (reference §6.4).

/// The texts of one language. `{sender}` is replaced by the sender address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsubscribeTexts {
    /// BCP 47 tag for `lang=`.
    pub lang: &'static str,
    /// Right-to-left script.
    pub rtl: bool,
    /// Footer sentence before the link.
    pub footer: &'static str,
    /// The link text.
    pub link: &'static str,
    /// Confirmation page title.
    pub title: &'static str,
    /// Confirmation question.
    pub question: &'static str,
    /// Confirm button.
    pub button: &'static str,
    /// Shown once unsubscribed.
    pub done: &'static str,
}

const fn t(
    lang: &'static str,
    rtl: bool,
    [footer, link, title, question, button, done]: [&'static str; 6],
) -> UnsubscribeTexts {
    UnsubscribeTexts {
        lang,
        rtl,
        footer,
        link,
        title,
        question,
        button,
        done,
    }
}

const TEXTS: [UnsubscribeTexts; 12] = [
    t(
        "zh-CN",
        false,
        [
            "如不想再收到此类邮件，请",
            "退订",
            "退订确认",
            "确定不再接收来自 {sender} 的邮件吗？",
            "确认退订",
            "您已成功退订，不会再收到来自 {sender} 的邮件。",
        ],
    ),
    t(
        "en",
        false,
        [
            "Don't want these emails?",
            "Unsubscribe",
            "Unsubscribe",
            "Stop receiving email from {sender}?",
            "Unsubscribe",
            "You have been unsubscribed. {sender} will not email you again.",
        ],
    ),
    t(
        "zh-TW",
        false,
        [
            "如不想再收到此類郵件，請",
            "取消訂閱",
            "取消訂閱確認",
            "確定不再接收來自 {sender} 的郵件嗎？",
            "確認取消訂閱",
            "您已成功取消訂閱，不會再收到來自 {sender} 的郵件。",
        ],
    ),
    t(
        "es",
        false,
        [
            "¿No quieres recibir estos correos?",
            "Darse de baja",
            "Darse de baja",
            "¿Dejar de recibir correos de {sender}?",
            "Confirmar la baja",
            "Te has dado de baja. {sender} no te enviará más correos.",
        ],
    ),
    t(
        "fr",
        false,
        [
            "Vous ne souhaitez plus recevoir ces e-mails ?",
            "Se désabonner",
            "Désabonnement",
            "Ne plus recevoir d'e-mails de {sender} ?",
            "Confirmer le désabonnement",
            "Vous êtes désabonné. {sender} ne vous écrira plus.",
        ],
    ),
    t(
        "de",
        false,
        [
            "Sie möchten diese E-Mails nicht mehr erhalten?",
            "Abmelden",
            "Abmelden",
            "Keine E-Mails mehr von {sender} erhalten?",
            "Abmeldung bestätigen",
            "Sie wurden abgemeldet. {sender} schreibt Ihnen nicht mehr.",
        ],
    ),
    t(
        "ja",
        false,
        [
            "今後このメールの配信を希望されない場合は",
            "配信停止",
            "配信停止の確認",
            "{sender} からのメールの受信を停止しますか？",
            "配信を停止する",
            "配信を停止しました。{sender} からメールが届くことはありません。",
        ],
    ),
    t(
        "ko",
        false,
        [
            "더 이상 이 메일을 받고 싶지 않으신가요?",
            "수신 거부",
            "수신 거부 확인",
            "{sender}의 메일 수신을 중단하시겠습니까?",
            "수신 거부",
            "수신 거부되었습니다. {sender}에서 더 이상 메일을 보내지 않습니다.",
        ],
    ),
    t(
        "ar",
        true,
        [
            "لا تريد تلقي هذه الرسائل؟",
            "إلغاء الاشتراك",
            "تأكيد إلغاء الاشتراك",
            "هل تريد التوقف عن تلقي الرسائل من {sender}؟",
            "تأكيد إلغاء الاشتراك",
            "تم إلغاء اشتراكك. لن يراسلك {sender} مرة أخرى.",
        ],
    ),
    t(
        "th",
        false,
        [
            "ไม่ต้องการรับอีเมลเหล่านี้?",
            "ยกเลิกการรับข่าวสาร",
            "ยืนยันการยกเลิก",
            "หยุดรับอีเมลจาก {sender} หรือไม่?",
            "ยืนยันการยกเลิก",
            "คุณได้ยกเลิกการรับข่าวสารแล้ว {sender} จะไม่ส่งอีเมลถึงคุณอีก",
        ],
    ),
    t(
        "id",
        false,
        [
            "Tidak ingin menerima email ini?",
            "Berhenti berlangganan",
            "Berhenti berlangganan",
            "Berhenti menerima email dari {sender}?",
            "Konfirmasi",
            "Anda telah berhenti berlangganan. {sender} tidak akan mengirim email lagi.",
        ],
    ),
    t(
        "vi",
        false,
        [
            "Không muốn nhận những email này?",
            "Hủy đăng ký",
            "Xác nhận hủy đăng ký",
            "Ngừng nhận email từ {sender}?",
            "Xác nhận hủy đăng ký",
            "Bạn đã hủy đăng ký. {sender} sẽ không gửi email cho bạn nữa.",
        ],
    ),
];

/// The texts of a language code "1"–"12"; `None` for "0" (no link) and anything else.
pub fn unsubscribe_texts(code: &str) -> Option<&'static UnsubscribeTexts> {
    let n: usize = code.parse().ok()?;
    (1..=TEXTS.len()).contains(&n).then(|| &TEXTS[n - 1])
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_language_has_texts() {
        assert!(unsubscribe_texts("0").is_none());
        assert!(unsubscribe_texts("13").is_none());
        assert_eq!(unsubscribe_texts("2").unwrap().lang, "en");
        assert_eq!(unsubscribe_texts("1").unwrap().lang, "zh-CN");
        assert!(unsubscribe_texts("9").unwrap().rtl);
        for n in 1..=12 {
            let texts = unsubscribe_texts(&n.to_string()).unwrap();
            assert!(texts.question.contains("{sender}") && texts.done.contains("{sender}"));
        }
    }
}
