//! Databases: one fresh SQLite file or PostgreSQL database per test, dropped after it.

use std::future::Future;
use std::path::PathBuf;

use super::client::TestApp;

pub enum DbKind {
    Sqlite { dir: PathBuf },
    Postgres { admin_url: String, name: String },
}

/// One fresh database, removed (best effort) when dropped.
pub struct TestDb {
    pub url: String,
    kind: DbKind,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir =
            std::env::temp_dir().join(format!("gobiz-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("create temp dir for sqlite database");
        let url = format!("sqlite://{}/gobiz.db?mode=rwc", dir.display());
        TestDb {
            url,
            kind: DbKind::Sqlite { dir },
        }
    }

    /// `None` (after saying so on stderr) when `GOBIZ_TEST_POSTGRES_URL` is not set.
    pub async fn postgres() -> Option<TestDb> {
        use sqlx::Connection;
        let admin_url = match std::env::var("GOBIZ_TEST_POSTGRES_URL") {
            Ok(v) if !v.trim().is_empty() => v,
            _ => {
                eprintln!("SKIPPED (postgres): GOBIZ_TEST_POSTGRES_URL not set");
                return None;
            }
        };
        let name = format!("gobiz_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| {
                panic!("cannot connect to GOBIZ_TEST_POSTGRES_URL={admin_url}: {e}")
            });
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name} failed: {e}"));
        let _ = conn.close().await;
        let url = replace_db_name(&admin_url, &name);
        Some(TestDb {
            url,
            kind: DbKind::Postgres { admin_url, name },
        })
    }

    /// Removes the database (best effort); dropping does the same.
    pub async fn cleanup(self) {
        drop(self);
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.kind {
            DbKind::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            DbKind::Postgres { admin_url, name } => {
                // Runs on its own thread and runtime so it works from async code and during
                // unwinding. FORCE ends sessions of a server that is still going away.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async move {
                        use sqlx::Connection;
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .execute(&mut conn)
                            .await;
                            let _ = conn.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// `postgres://u@h:5432/postgres?x=y` + `other` → `postgres://u@h:5432/other?x=y`.
pub fn replace_db_name(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let new_base = match base[scheme_end..].find('/') {
        Some(i) => format!("{}/{}", &base[..scheme_end + i], db),
        None => format!("{base}/{db}"),
    };
    match query {
        Some(q) => format!("{new_base}?{q}"),
        None => new_base,
    }
}

// ---------------------------------------------------------------------------------------------
// Running one test on one database (see `both_dbs!`)
// ---------------------------------------------------------------------------------------------

/// A test body that runs on a database: an async fn taking a [`TestApp`] (a server started on
/// the database) or a `String` (the database URL). `Arg` only tells the two impls apart.
pub trait DbTest<Arg> {
    /// Runs the test on `db_url`; `env` is the extra server environment of a [`TestApp`].
    fn run(self, db_url: &str, env: &[(&str, &str)]) -> impl Future<Output = ()>;
}

impl<F, Fut> DbTest<TestApp> for F
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    async fn run(self, db_url: &str, env: &[(&str, &str)]) {
        self(TestApp::start_with_env(db_url, env).await).await;
    }
}

impl<F, Fut> DbTest<String> for F
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    async fn run(self, db_url: &str, env: &[(&str, &str)]) {
        assert!(
            env.is_empty(),
            "a test taking the database URL starts its servers itself; it gets no environment"
        );
        self(db_url.to_string()).await;
    }
}

/// Runs `test` on a fresh SQLite database, then removes it.
pub async fn on_sqlite<Arg>(test: impl DbTest<Arg>, env: &[(&str, &str)]) {
    let db = TestDb::sqlite();
    test.run(&db.url, env).await;
    db.cleanup().await;
}

/// Runs `test` on a fresh PostgreSQL database, then drops it; returns at once when
/// `GOBIZ_TEST_POSTGRES_URL` is not set.
pub async fn on_postgres<Arg>(test: impl DbTest<Arg>, env: &[(&str, &str)]) {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    test.run(&db.url, env).await;
    db.cleanup().await;
}
