//! A signed-in console session over plain HTTP (cookie and CSRF token), for tests of console
//! pages and forms that do not need a browser.

use super::{Resp, TestApp, ADMIN_TOKEN};
use reqwest::Method;

/// A console session: its cookie and CSRF token.
pub struct ConsoleSession<'a> {
    app: &'a TestApp,
    /// `gobiz_console=…`.
    pub cookie: String,
    /// The session's CSRF token.
    pub csrf: String,
}

impl<'a> ConsoleSession<'a> {
    /// Signs in with the admin token and reads the CSRF token off the partners page.
    pub async fn sign_in(app: &'a TestApp) -> ConsoleSession<'a> {
        let r = app
            .send(
                app.request(Method::POST, "/console/sign-in")
                    .form(&[("token", ADMIN_TOKEN)]),
            )
            .await;
        assert_eq!(r.status, 303, "sign-in: {}", r.text);
        let cookie = r
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("gobiz_console="))
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_string();
        let mut s = ConsoleSession {
            app,
            cookie,
            csrf: String::new(),
        };
        let page = s.get("/console/partners").await;
        let re = regex::Regex::new(r#"name="csrf"[^>]*value="([^"]+)""#).unwrap();
        s.csrf = re
            .captures(&page.text)
            .map(|c| c[1].to_string())
            .expect("a csrf field on the partners page");
        s
    }

    /// `GET path` in English.
    pub async fn get(&self, path: &str) -> Resp {
        self.app
            .send(
                self.app
                    .request(Method::GET, path)
                    .header("cookie", &self.cookie)
                    .header("accept-language", "en"),
            )
            .await
    }

    /// `POST path` with the form (plus the CSRF token), as htmx when `htmx`.
    pub async fn post(&self, path: &str, form: &[(&str, &str)], htmx: bool) -> Resp {
        let mut all: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(form);
        let mut rb = self
            .app
            .request(Method::POST, path)
            .header("cookie", &self.cookie)
            .header("accept-language", "en")
            .form(&all);
        if htmx {
            rb = rb.header("hx-request", "true");
        }
        self.app.send(rb).await
    }
}
