//! The property the `form_text` fuzz target (`fuzz/`) holds the form to,
//! shared with the regression test that replays what a campaign found: any
//! text in any field either prints as the two-page form or is refused with
//! a reason.

use std::sync::OnceLock;

use crate::{CourseLine, FormData, Renderer};

fn renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| Renderer::new().expect("the bundled fonts load"))
}

/// The fields, split from `bytes` at U+001F, each at most 200 characters
/// (the longest value the import accepts).
pub fn form_text(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let mut parts = text.split('\u{1f}');
    let mut next = || {
        parts
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect::<String>()
    };
    let data = FormData {
        name: next(),
        employer: next(),
        address: next(),
        native_place: next(),
        occupation: next(),
        major: next(),
        courses: vec![CourseLine {
            code: next(),
            name: next(),
            credits: "4".into(),
            mark: next(),
            sitting: "202304".into(),
            obtained_by: "考试".into(),
        }],
        ..Default::default()
    };
    match renderer().render_counted(&data) {
        Ok((pdf, pages)) => {
            assert!(pdf.starts_with(b"%PDF"));
            assert_eq!(pages, 2, "a value overflowed the layout: {data:?}");
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}
