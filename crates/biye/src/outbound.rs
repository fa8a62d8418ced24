//! Calls to the authority's services (the identity check, the face match):
//! one client set-up and one retry policy, so both behave alike when the
//! authority is slow or down. Both are lookups that change nothing, so
//! repeating one is safe.

use std::future::Future;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Waits before the second and the third attempt.
const BACKOFF_MS: [u64; 2] = [200, 800];

/// A JSON-over-HTTP service of the authority: one POST per lookup, with a
/// bearer token when configured.
#[derive(Debug, Clone)]
pub(crate) struct Service {
    client: reqwest::Client,
    url: url::Url,
    token: Option<String>,
}

impl Service {
    /// A timeout per attempt (connecting gets at most 3 s of it).
    pub(crate) fn new(
        url: url::Url,
        token: Option<String>,
        timeout: Duration,
    ) -> Result<Service, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .timeout(timeout)
            .build()?;
        Ok(Service { client, url, token })
    }

    /// POSTs `query` until the service answers, at most three times: silence
    /// and 5xx are tried again; any other answer is final. The error is a
    /// Chinese-readable reason (the status, or the transport's message).
    pub(crate) async fn call<Q: Serialize, A: DeserializeOwned>(
        &self,
        query: &Q,
    ) -> Result<A, String> {
        with_retries(|| self.once(query)).await
    }

    async fn once<Q: Serialize, A: DeserializeOwned>(
        &self,
        query: &Q,
    ) -> Result<Result<A, String>, String> {
        let mut req = self.client.post(self.url.clone()).json(query);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.map_err(|e| e.without_url().to_string())?;
        let status = res.status();
        if status.is_server_error() {
            return Err(format!("HTTP {}", status.as_u16()));
        }
        let answer: Option<A> = res.json().await.ok();
        Ok(match answer {
            Some(a) if status.is_success() => Ok(a),
            _ => Err(format!("HTTP {}，应答无法识别", status.as_u16())),
        })
    }
}

/// Runs `attempt` until it answers, at most three times. An attempt returns
/// `Ok(answer)` when the service answered (the answer may itself be a
/// refusal, which is final) and `Err` when it did not answer or answered 5xx,
/// which is worth another try.
async fn with_retries<T, E, F, Fut>(mut attempt: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Result<T, E>, E>>,
{
    let mut waits = BACKOFF_MS.iter();
    loop {
        match attempt().await {
            Ok(answer) => return answer,
            Err(e) => match waits.next() {
                Some(&ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
                None => return Err(e),
            },
        }
    }
}
