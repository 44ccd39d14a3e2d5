//! A real browser: headless Chromium driven through its own chromedriver (WebDriver) with
//! `fantoccini`.
//!
//! [`Browser::start`] spawns `/usr/bin/chromedriver` on a free port (one per test, so browser
//! tests run in parallel), waits for its `/status`, and opens a headless Chromium session in
//! English (`--lang=en-US`) that cannot reach any host but this machine: every other name
//! fails to resolve, so a page that loads anything from elsewhere shows it.
//!
//! When the test fails (the [`Browser`] is dropped while the thread panics) a screenshot and
//! the page source are saved as `target/browser-failures/<test>.png` / `.html`, and their paths
//! printed. Dropping the browser ends the session (Chromium quits) and kills chromedriver.
//!
//! A missing Chromium or chromedriver fails the test, saying what to install.

// A toolbox for the console's browser tests: not every helper has a user yet.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long [`Browser::wait_for`] and friends wait by default.
pub const BROWSER_WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);
/// How long chromedriver may take to answer `/status`.
const DRIVER_STARTUP: Duration = Duration::from_secs(20);

/// Chromium's command line (see the module doc).
const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
    "--lang=en-US",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
];

/// One headless Chromium with its own chromedriver.
pub struct Browser {
    client: Client,
    driver: Child,
    /// `http://127.0.0.1:<port>` of chromedriver.
    driver_url: String,
    session_id: String,
    /// Names the failure artefacts.
    name: String,
    driver_output: Arc<Mutex<Vec<String>>>,
}

/// Fails the test when Chromium or chromedriver is not installed.
fn require_installed() {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "browser tests need {missing:?}: install them with\n  \
         apt-get install -y chromium chromium-driver\n(.ci/run does this on a clean machine)"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("find a free port")
        .port()
}

/// Where failure screenshots go: `<target>/browser-failures`, `<target>` being the folder the
/// test binary was built in (`<target>/debug/deps/api-…`).
pub fn failures_dir() -> PathBuf {
    let from_exe = std::env::current_exe().ok().and_then(|exe| {
        exe.ancestors()
            .nth(3)
            .filter(|t| t.join("debug").is_dir() || t.join("release").is_dir())
            .map(Path::to_path_buf)
    });
    from_exe
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("browser-failures")
}

/// The running test's name (libtest names the thread after it), as a file name.
fn test_name() -> String {
    let name = std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .unwrap_or("browser")
        .to_string();
    name.chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => c,
            _ => '_',
        })
        .collect()
}

/// Runs `f` on its own thread and runtime, so it works from `Drop`, during unwinding and
/// while the test's runtime is blocked.
fn on_side_runtime<T, Fut>(f: impl FnOnce() -> Fut + Send + 'static) -> Option<T>
where
    T: Send + 'static,
    Fut: std::future::Future<Output = T>,
{
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        Some(rt.block_on(f()))
    })
    .join()
    .ok()
    .flatten()
}

/// Collects the first 500 lines of `pipe` into `sink`.
fn drain(pipe: impl tokio::io::AsyncRead + Unpin + Send + 'static, sink: Arc<Mutex<Vec<String>>>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(pipe).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut v = sink.lock().expect("driver output lock");
            if v.len() < 500 {
                v.push(line);
            }
        }
    });
}

impl Browser {
    /// A fresh browser named after the running test (see [`Browser::start_named`]).
    pub async fn start() -> Browser {
        Browser::start_named(&test_name()).await
    }

    /// A fresh browser; `name` names the failure screenshot.
    pub async fn start_named(name: &str) -> Browser {
        require_installed();
        // The free port may be taken by someone else before chromedriver binds it: retry.
        let mut last_error = String::new();
        for _ in 0..3 {
            match Browser::try_start(name).await {
                Ok(b) => return b,
                Err(e) => last_error = e,
            }
        }
        panic!("could not start a browser: {last_error}");
    }

    async fn try_start(name: &str) -> Result<Browser, String> {
        let port = free_port();
        let mut cmd = Command::new(CHROMEDRIVER);
        cmd.arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .arg("--log-level=WARNING")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut driver = cmd
            .spawn()
            .map_err(|e| format!("cannot run {CHROMEDRIVER}: {e}"))?;
        let output = Arc::new(Mutex::new(Vec::new()));
        if let Some(p) = driver.stdout.take() {
            drain(p, output.clone());
        }
        if let Some(p) = driver.stderr.take() {
            drain(p, output.clone());
        }
        let driver_url = format!("http://127.0.0.1:{port}");
        let said = |output: &Arc<Mutex<Vec<String>>>| {
            output.lock().expect("driver output lock").join("\n")
        };

        // Wait until chromedriver answers /status with `ready: true`.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("build reqwest client");
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = driver.try_wait() {
                return Err(format!(
                    "chromedriver exited ({status}) before answering /status:\n{}",
                    said(&output)
                ));
            }
            if let Ok(r) = http.get(format!("{driver_url}/status")).send().await {
                if let Ok(v) = r.json::<Value>().await {
                    if v["value"]["ready"] == json!(true) {
                        break;
                    }
                }
            }
            if started.elapsed() > DRIVER_STARTUP {
                return Err(format!(
                    "chromedriver did not answer {driver_url}/status within {DRIVER_STARTUP:?}:\n{}",
                    said(&output)
                ));
            }
            tokio::time::sleep(POLL).await;
        }

        let caps = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": CHROMIUM_ARGS,
            },
        });
        let caps = match caps {
            Value::Object(m) => m,
            _ => unreachable!("capabilities are an object"),
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver_url)
            .await
            .map_err(|e| {
                format!(
                    "chromedriver could not open a Chromium session ({CHROMIUM}): {e}\n{}",
                    said(&output)
                )
            })?;
        let session_id = client
            .session_id()
            .await
            .map_err(|e| format!("session id: {e}"))?
            .ok_or("chromedriver gave no session id")?;
        Ok(Browser {
            client,
            driver,
            driver_url,
            session_id,
            name: name.to_string(),
            driver_output: output,
        })
    }

    /// The fantoccini client, for what the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// What chromedriver wrote so far.
    pub fn driver_output(&self) -> String {
        self.driver_output
            .lock()
            .expect("driver output lock")
            .join("\n")
    }

    /// Opens `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    pub async fn current_url(&self) -> url::Url {
        let u = self.client.current_url().await.expect("current URL");
        url::Url::parse(u.as_str()).expect("current URL parses")
    }

    /// The path of the current URL (`/console/sign-in`).
    pub async fn path(&self) -> String {
        self.current_url().await.path().to_string()
    }

    /// The current DOM as HTML.
    pub async fn source(&self) -> String {
        self.client.source().await.expect("page source")
    }

    /// The text the page shows (`document.body.innerText`).
    pub async fn body_text(&self) -> String {
        let v = self
            .client
            .execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await
            .expect("read body text");
        v.as_str().unwrap_or_default().to_string()
    }

    /// Runs `script` in the page (`return …` gives a value).
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// The first element matching `css`, now (panics when there is none).
    pub async fn find(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => panic!(
                "no element {css} on {}: {e}\n--- page text ---\n{}",
                self.current_url().await,
                self.body_text().await
            ),
        }
    }

    /// Every element matching `css`, now.
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find all {css}: {e}"))
    }

    /// True when some element matches `css` now.
    pub async fn exists(&self, css: &str) -> bool {
        !self.find_all(css).await.is_empty()
    }

    /// Clicks the element matching `css` (waiting for it, see [`Browser::wait_for`]).
    pub async fn click(&self, css: &str) {
        let e = self.wait_for(css).await;
        e.click()
            .await
            .unwrap_or_else(|err| panic!("click {css}: {err}"));
    }

    /// Replaces the value of the input matching `css` by typing `value`.
    pub async fn fill(&self, css: &str, value: &str) {
        let e = self.wait_for(css).await;
        e.clear()
            .await
            .unwrap_or_else(|err| panic!("clear {css}: {err}"));
        e.send_keys(value)
            .await
            .unwrap_or_else(|err| panic!("type into {css}: {err}"));
    }

    /// [`Browser::fill`] for the input named `name`.
    pub async fn fill_name(&self, name: &str, value: &str) {
        self.fill(&format!("[name=\"{name}\"]"), value).await;
    }

    /// Submits the form matching `css` by clicking its submit button, as a user would.
    pub async fn submit(&self, form_css: &str) {
        self.wait_for(form_css).await;
        let form = self
            .client
            .form(Locator::Css(form_css))
            .await
            .unwrap_or_else(|e| panic!("form {form_css}: {e}"));
        form.submit()
            .await
            .unwrap_or_else(|e| panic!("submit {form_css} (does it have a submit button?): {e}"));
    }

    /// The visible text of the element matching `css` (waiting for it).
    pub async fn text(&self, css: &str) -> String {
        let e = self.wait_for(css).await;
        e.text()
            .await
            .unwrap_or_else(|err| panic!("text of {css}: {err}"))
    }

    /// An attribute of the element matching `css` (waiting for it).
    pub async fn attr(&self, css: &str, attr: &str) -> Option<String> {
        let e = self.wait_for(css).await;
        e.attr(attr)
            .await
            .unwrap_or_else(|err| panic!("attribute {attr} of {css}: {err}"))
    }

    /// Polls `check` every 100 ms until it gives `Some`, at most `timeout`; panics with
    /// `what`, the URL and the page text otherwise.
    pub async fn wait_until<T, F, Fut>(&self, what: &str, timeout: Duration, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let started = Instant::now();
        loop {
            if let Some(v) = check().await {
                return v;
            }
            if started.elapsed() > timeout {
                panic!(
                    "waited {timeout:?} for {what} on {}\n--- page text ---\n{}",
                    self.current_url().await,
                    self.body_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits (at most [`BROWSER_WAIT`]) for an element matching `css`.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.wait_until(&format!("an element {css}"), BROWSER_WAIT, || async {
            self.client.find(Locator::Css(css)).await.ok()
        })
        .await
    }

    /// Waits (at most [`BROWSER_WAIT`]) for `text` to show anywhere on the page.
    pub async fn wait_for_text(&self, text: &str) {
        self.wait_until(&format!("the text {text:?}"), BROWSER_WAIT, || async {
            self.body_text().await.contains(text).then_some(())
        })
        .await
    }

    /// Waits (at most [`BROWSER_WAIT`]) for the element matching `css` to show text containing
    /// `text`; returns its whole text.
    pub async fn wait_for_text_in(&self, css: &str, text: &str) -> String {
        self.wait_until(
            &format!("{css} to contain {text:?}"),
            BROWSER_WAIT,
            || async {
                let e = self.client.find(Locator::Css(css)).await.ok()?;
                let t = e.text().await.ok()?;
                t.contains(text).then_some(t)
            },
        )
        .await
    }

    /// Waits (at most [`BROWSER_WAIT`]) for the current URL's path to be `path`.
    pub async fn wait_for_path(&self, path: &str) -> url::Url {
        self.wait_until(&format!("the path {path}"), BROWSER_WAIT, || async {
            let u = self.current_url().await;
            (u.path() == path).then_some(u)
        })
        .await
    }

    /// Saves a screenshot and the page source as `<failures_dir>/<name>.png` / `.html`;
    /// returns the screenshot's path. Works from any context (its own thread and runtime,
    /// talking to chromedriver directly).
    pub fn save_screenshot(&self, name: &str) -> Option<PathBuf> {
        let dir = failures_dir();
        let base = format!("{}/session/{}", self.driver_url, self.session_id);
        let shot = dir.join(format!("{name}.png"));
        let page = dir.join(format!("{name}.html"));
        let out = shot.clone();
        on_side_runtime(move || async move {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .ok()?;
            std::fs::create_dir_all(&dir).ok()?;
            if let Ok(r) = http.get(format!("{base}/source")).send().await {
                if let Ok(v) = r.json::<Value>().await {
                    if let Some(s) = v["value"].as_str() {
                        let _ = std::fs::write(&page, s);
                    }
                }
            }
            let v: Value = http
                .get(format!("{base}/screenshot"))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            use base64::Engine;
            let png = base64::engine::general_purpose::STANDARD
                .decode(v["value"].as_str()?)
                .ok()?;
            std::fs::write(&out, png).ok()?;
            Some(out)
        })
        .flatten()
        .map(|_| shot)
    }

    /// Ends the session and chromedriver now (dropping does the same).
    pub async fn close(self) {
        drop(self);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if std::thread::panicking() {
            match self.save_screenshot(&self.name) {
                Some(path) => eprintln!(
                    "browser test failed: screenshot {} (page source next to it)",
                    path.display()
                ),
                None => eprintln!(
                    "browser test failed; no screenshot could be taken\n--- chromedriver ---\n{}",
                    self.driver_output()
                ),
            }
        }
        // Quit Chromium (DELETE the session), then kill chromedriver (kill_on_drop).
        let url = format!("{}/session/{}", self.driver_url, self.session_id);
        on_side_runtime(move || async move {
            if let Ok(http) = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
            {
                let _ = http.delete(url).send().await;
            }
        });
        let _ = self.driver.start_kill();
    }
}
