//! Configuration: defaults, then a TOML file, then environment variables, then
//! command-line flags (each overriding the one before).
//!
//! Every key can come from the environment as `POWERSYNC_WRITE__<KEY>`, with `__`
//! between nested keys: `POWERSYNC_WRITE__ENGINE__BATCH_POLICY=skip` sets
//! `[engine] batch_policy`. A value is read as TOML (`true`, `5`, `["a", "b"]`) and,
//! when it is not valid TOML, as a plain string.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::auth::AuthConfig;
use crate::engine::EngineConfig;
use crate::mapping::MappingConfig;
use crate::policy::AuthorizationConfig;

/// The prefix of configuration environment variables.
pub const ENV_PREFIX: &str = "POWERSYNC_WRITE__";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// `sqlite://PATH`, `postgres://...` or `mysql://...`; default: `sqlite://<data_dir>/powersync-write.db`.
    pub database_url: Option<String>,
    /// Where the default SQLite database and the dev-mode keys live.
    pub data_dir: PathBuf,
    /// Largest accepted request body; larger ones get 413.
    pub body_limit_bytes: usize,
    /// Connections in the PostgreSQL or MySQL pool.
    pub pool_size: usize,
    /// SQLite settings (`[sqlite]`).
    pub sqlite: crate::persist::sqlite::SqliteOptions,
    /// PostgreSQL settings (`[postgres]`).
    pub postgres: crate::persist::postgres::PostgresOptions,
    /// MySQL and MariaDB settings (`[mysql]`).
    pub mysql: crate::persist::mysql::MysqlOptions,
    /// Log format: `text` or `json`.
    pub log_format: LogFormat,
    pub auth: AuthConfig,
    pub engine: EngineConfig,
    pub mapping: MappingConfig,
    /// Who may write which rows (`[authorization]`); empty: nobody writes anything.
    pub authorization: AuthorizationConfig,
    /// HTTP limits (`[http]`): header and body timeouts, connection cap.
    pub http: crate::http::HttpConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 6060)),
            database_url: None,
            data_dir: PathBuf::from("data"),
            body_limit_bytes: 4 * 1024 * 1024,
            pool_size: 16,
            sqlite: crate::persist::sqlite::SqliteOptions::default(),
            postgres: crate::persist::postgres::PostgresOptions::default(),
            mysql: crate::persist::mysql::MysqlOptions::default(),
            log_format: LogFormat::Text,
            auth: AuthConfig::default(),
            engine: EngineConfig::default(),
            mapping: MappingConfig::default(),
            authorization: AuthorizationConfig::default(),
            http: crate::http::HttpConfig::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
}

impl Config {
    /// Defaults, overridden by the file (if any), then by `POWERSYNC_WRITE__*`
    /// variables from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let (mut table, origin) = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                let table: toml::Table =
                    text.parse()
                        .map_err(|e: toml::de::Error| ConfigError::Invalid {
                            origin: path.display().to_string(),
                            message: e.to_string(),
                        })?;
                (table, path.display().to_string())
            }
            None => (toml::Table::new(), "defaults".to_string()),
        };
        let mut from_env = Vec::new();
        for (name, value) in env {
            let Some(key) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let path: Vec<String> = key.split("__").map(str::to_ascii_lowercase).collect();
            set_path(&mut table, &path, parse_env_value(&value)).map_err(|message| {
                ConfigError::Invalid {
                    origin: format!("environment variable {name}"),
                    message,
                }
            })?;
            from_env.push(name);
        }
        let origin = if from_env.is_empty() {
            origin
        } else {
            format!("{origin} with {}", from_env.join(", "))
        };
        Config::deserialize(toml::Value::Table(table)).map_err(|e| ConfigError::Invalid {
            origin,
            message: e.to_string(),
        })
    }

    /// What `persist::open` needs of the configuration.
    pub fn open_options(&self) -> crate::persist::OpenOptions {
        crate::persist::OpenOptions {
            pool_size: self.pool_size,
            sqlite: self.sqlite.clone(),
            postgres: self.postgres.clone(),
            mysql: self.mysql.clone(),
        }
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                self.data_dir.join("powersync-write.db").display()
            )
        })
    }
}

fn parse_env_value(raw: &str) -> toml::Value {
    // `key = <raw>` parses only when raw is a TOML value; otherwise it is a string.
    format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

fn set_path(table: &mut toml::Table, path: &[String], value: toml::Value) -> Result<(), String> {
    match path {
        [] => Err("empty key".to_string()),
        [key] => {
            table.insert(key.clone(), value);
            Ok(())
        }
        [key, rest @ ..] => {
            let entry = table
                .entry(key.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match entry {
                toml::Value::Table(inner) => set_path(inner, rest, value),
                _ => Err(format!(
                    "`{key}` is not a table, so `{}` cannot be set in it",
                    rest.join(".")
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_need_nothing_installed() {
        let config = Config::load(None, env(&[])).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:6060");
        assert_eq!(config.database_url(), "sqlite://data/powersync-write.db");
    }

    #[test]
    fn the_transaction_pooler_switch_reaches_the_persister() {
        let config = Config::load(
            None,
            env(&[("POWERSYNC_WRITE__POSTGRES__TRANSACTION_POOLER", "true")]),
        )
        .unwrap();
        assert!(config.open_options().postgres.transaction_pooler);
        assert!(!Config::default().open_options().postgres.transaction_pooler);
    }

    #[test]
    fn the_mysql_scripts_switch_reaches_the_persister() {
        assert!(Config::default().open_options().mysql.scripts);
        let config =
            Config::load(None, env(&[("POWERSYNC_WRITE__MYSQL__SCRIPTS", "false")])).unwrap();
        assert!(!config.open_options().mysql.scripts);
    }

    #[test]
    fn the_documented_example_is_the_defaults() {
        // config.example.toml lists every key with its default: keep it honest.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("example.toml");
        std::fs::write(&file, include_str!("../config.example.toml")).unwrap();
        let config = Config::load(Some(&file), env(&[])).unwrap();
        assert_eq!(config, Config::default());
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:7000\"\n[engine]\nbatch_policy = \"stop\"\n",
        )
        .unwrap();
        let config = Config::load(
            Some(&file),
            env(&[
                ("POWERSYNC_WRITE__ENGINE__BATCH_POLICY", "skip"),
                ("POWERSYNC_WRITE__ENGINE__WRITE_CHECKPOINTS", "true"),
                ("POWERSYNC_WRITE__DATABASE_URL", "postgres://localhost/app"),
                ("UNRELATED", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:7000");
        assert_eq!(config.engine.batch_policy, crate::engine::BatchPolicy::Skip);
        assert!(config.engine.write_checkpoints);
        assert_eq!(config.database_url(), "postgres://localhost/app");
    }

    #[test]
    fn cors_comes_from_the_file_or_the_environment() {
        assert_eq!(
            Config::default().http.cors.allowed_origins,
            vec!["*".to_string()]
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "[http.cors]\nallowed_origins = [\"https://app.example.com\"]\nmax_age_seconds = 60\n",
        )
        .unwrap();
        let config = Config::load(Some(&file), env(&[])).unwrap();
        assert_eq!(
            config.http.cors.allowed_origins,
            vec!["https://app.example.com".to_string()]
        );
        assert_eq!(config.http.cors.max_age_seconds, 60);

        let config = Config::load(
            Some(&file),
            env(&[
                (
                    "POWERSYNC_WRITE__HTTP__CORS__ALLOWED_ORIGINS",
                    r#"["http://localhost:5173", "http://127.0.0.1:5173"]"#,
                ),
                (
                    "POWERSYNC_WRITE__HTTP__CORS__ALLOWED_HEADERS",
                    r#"["authorization", "content-type", "x-app-version"]"#,
                ),
            ]),
        )
        .unwrap();
        assert_eq!(
            config.http.cors.allowed_origins,
            vec![
                "http://localhost:5173".to_string(),
                "http://127.0.0.1:5173".to_string()
            ]
        );
        assert_eq!(config.http.cors.allowed_headers.len(), 3);
        assert_eq!(config.http.cors.max_age_seconds, 60);

        // A plain string is one origin, or "*".
        for (value, expected) in [
            ("*", "*"),
            ("https://a.example.com", "https://a.example.com"),
        ] {
            let config = Config::load(
                None,
                env(&[("POWERSYNC_WRITE__HTTP__CORS__ALLOWED_ORIGINS", value)]),
            )
            .unwrap();
            assert_eq!(config.http.cors.allowed_origins, vec![expected.to_string()]);
        }

        let error = Config::load(
            None,
            env(&[("POWERSYNC_WRITE__HTTP__CORS__ALLOWED_ORIGINS", "5")]),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("http.cors.allowed_origins"), "{error}");
        let error = Config::load(
            None,
            env(&[("POWERSYNC_WRITE__HTTP__CORS__ALLOW_CREDENTIALS", "true")]),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("allow_credentials"), "{error}");
    }

    #[test]
    fn unknown_keys_are_errors_naming_their_origin() {
        let error = Config::load(
            None,
            env(&[("POWERSYNC_WRITE__ENGINE__BATCH_POLCY", "skip")]),
        )
        .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("POWERSYNC_WRITE__ENGINE__BATCH_POLCY"),
            "{text}"
        );
        assert!(text.contains("batch_polcy"), "{text}");
    }
}
