//! Sending SMS messages (the one-time sign-in codes), behind a trait so the
//! demo and development write the code to the server log while a real
//! installation posts it to the province's SMS gateway.
//!
//! The gateway protocol (documented in `docs/integrations.md`):
//! `POST {gateway}` with `Authorization: Bearer {token}` and JSON
//! `{"phone": "13800138000", "template": "verification_code",
//!   "params": {"code": "123456", "minutes": 10}, "text": "…"}`;
//! any 2xx answer whose JSON has `"ok": true` is a success, anything else
//! (another status, `"ok": false`, no answer within the timeout) a failure.
//! A send is never retried: a retry after a timeout could deliver two codes.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("短信网关无应答或无法连接：{0}")]
    Transport(String),
    #[error("短信网关拒绝发送（{0}）")]
    Refused(String),
}

/// What is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsMessage {
    VerificationCode { code: String, minutes: u32 },
}

impl SmsMessage {
    pub fn text(&self) -> String {
        match self {
            SmsMessage::VerificationCode { code, minutes } => format!(
                "【广东自考毕业办理】您的验证码为 {code}，{minutes} 分钟内有效，仅用于设置登录密码。请勿告诉他人。"
            ),
        }
    }
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SmsError>> + Send + 'a>>;

pub trait SmsSender: Send + Sync + std::fmt::Debug {
    fn send<'a>(&'a self, phone: &'a str, message: &'a SmsMessage) -> SendFuture<'a>;
}

/// Development and demo: the message goes to the server log (at INFO), where
/// the person running the demo reads the code.
#[derive(Debug, Default)]
pub struct LogSender;

impl SmsSender for LogSender {
    fn send<'a>(&'a self, phone: &'a str, message: &'a SmsMessage) -> SendFuture<'a> {
        let masked = crate::domain::PhoneNumber::parse(phone)
            .map(|p| p.masked())
            .unwrap_or_default();
        let text = message.text();
        Box::pin(async move {
            tracing::info!(target: "biye::sms", phone = %masked, "短信（未配置短信网关，仅写入日志）：{text}");
            Ok(())
        })
    }
}

#[derive(Serialize)]
struct Request<'a> {
    phone: &'a str,
    template: &'static str,
    params: serde_json::Value,
    text: String,
}

#[derive(Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    error: String,
}

/// The province's SMS gateway over HTTP.
#[derive(Debug, Clone)]
pub struct HttpSender {
    client: reqwest::Client,
    url: url::Url,
    token: Option<String>,
}

impl HttpSender {
    pub fn new(url: url::Url, token: Option<String>, timeout: Duration) -> Result<Self, SmsError> {
        let client = reqwest::Client::builder()
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .timeout(timeout)
            .build()
            .map_err(|e| SmsError::Transport(e.to_string()))?;
        Ok(Self { client, url, token })
    }

    async fn post(&self, phone: &str, message: &SmsMessage) -> Result<(), SmsError> {
        let SmsMessage::VerificationCode { code, minutes } = message;
        let body = Request {
            phone,
            template: "verification_code",
            params: serde_json::json!({ "code": code, "minutes": minutes }),
            text: message.text(),
        };
        let mut req = self.client.post(self.url.clone()).json(&body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let res = req
            .send()
            .await
            .map_err(|e| SmsError::Transport(e.without_url().to_string()))?;
        let status = res.status();
        let answer: Option<Answer> = res.json().await.ok();
        match answer {
            Some(a) if status.is_success() && a.ok => Ok(()),
            Some(a) if !a.error.is_empty() => Err(SmsError::Refused(a.error)),
            _ => Err(SmsError::Refused(format!("HTTP {}", status.as_u16()))),
        }
    }
}

impl SmsSender for HttpSender {
    fn send<'a>(&'a self, phone: &'a str, message: &'a SmsMessage) -> SendFuture<'a> {
        Box::pin(self.post(phone, message))
    }
}
