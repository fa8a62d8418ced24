//! Request logs hold route templates and a request id, never personal data.
//!
//! This test has a binary of its own. It captures logs through a subscriber
//! set for its thread, and tracing caches per call site whether anyone
//! listens: another test in the same process that reached the request-log
//! call sites at the same moment, with no subscriber, could leave them cached
//! as unheard, and the captured log came back empty.

mod common;

use biye::demo::Case;
use common::{admission_of, profile, TestApp};

/// Captured log output, for checking what a request log line holds.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn request_logs_hold_route_templates_never_personal_data() {
    let passing = admission_of(Case::Passing);
    let app = TestApp::all().await.remove(0);
    let mut app = app.with_demo(Case::ALL.len()).await;
    let id_no = profile(&app, &passing).await.id_no;
    let out = Captured::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    app.sign_in_staff("sg0201").await;
    app.get(&format!(
        "/onsite/lookup?admission_no={passing}&code=00000-00000"
    ))
    .await;
    app.get(&format!("/no/such/{id_no}")).await;
    let log = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("/onsite/lookup"), "{log}");
    assert!(log.contains("id="), "a request id on every line: {log}");
    for secret in [
        passing.as_str(),
        id_no.as_str(),
        "admission_no=",
        "00000-00000",
    ] {
        assert!(!log.contains(secret), "{secret} leaked into the log: {log}");
    }
}
