//! TLS to PostgreSQL on a real server that accepts only encrypted TCP connections,
//! with a certificate for `db.example.test` from a test CA: every `sslmode` does what
//! libpq's does, a certificate from another CA or for another host is refused where
//! it must be, and SCRAM with channel binding works over it.

use powersync_write_server::persist::Persister;
use powersync_write_server::persist::postgres::{PostgresConfig, PostgresPersister};
use powersync_write_server::vocab::DbError;
use throwaway_servers::certificates::Authority;
use throwaway_servers::postgres::{Cluster, TEST_SETTINGS};

struct Setup {
    cluster: Cluster,
    dir: tempfile::TempDir,
    /// The test CA's certificate file, and another CA's.
    ca: String,
    other_ca: String,
}

fn setup() -> Setup {
    let cluster = Cluster::start(TEST_SETTINGS).expect("cluster");
    let ca = Authority::new("Test CA");
    let (cert, key) = ca.issue(&["db.example.test"]);
    cluster
        .enable_tls(
            &cert,
            &key,
            &[
                "hostssl all scram_user 127.0.0.1/32 scram-sha-256",
                "hostssl all all 127.0.0.1/32 trust",
                "hostnossl all all 127.0.0.1/32 reject",
            ],
        )
        .expect("TLS on");
    cluster
        .sql("CREATE ROLE scram_user LOGIN PASSWORD 'scram secret'")
        .expect("role");
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, pem: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, pem).expect("write");
        path.display().to_string()
    };
    let ca_file = write("ca.pem", &ca.pem());
    let other_ca = write("other-ca.pem", &Authority::new("Another CA").pem());
    Setup {
        cluster,
        ca: ca_file,
        other_ca,
        dir,
    }
}

impl Setup {
    /// The URL as `db.example.test` (the certificate's name) at 127.0.0.1, or at
    /// 127.0.0.1 by address alone, with these options.
    fn url(&self, by_name: bool, options: &str) -> String {
        let port = self.cluster.port;
        if by_name {
            format!(
                "postgres://postgres@db.example.test:{port}/postgres?hostaddr=127.0.0.1&{options}"
            )
        } else {
            format!("postgres://postgres@127.0.0.1:{port}/postgres?{options}")
        }
    }

    /// Whether the backend's connection through `url` is encrypted, or its error.
    async fn connect(&self, url: &str) -> Result<bool, DbError> {
        let persister = PostgresPersister::new(PostgresConfig::new(url))?;
        persister.ping().await?;
        let encrypted = self
            .cluster
            .sql(
                "SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
                 WHERE a.application_name = 'powersync-write-server'",
            )
            .expect("pg_stat_ssl");
        drop(persister);
        Ok(encrypted.trim() == "t")
    }

    async fn refused(&self, url: &str) -> String {
        match self.connect(url).await {
            Ok(_) => panic!("{url} must be refused"),
            Err(error) => error.to_string(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sslmode_connects_or_refuses_as_libpq_does() {
    let setup = setup();
    let (ca, other) = (&setup.ca, &setup.other_ca);

    // verify-full: the CA's chain and the name.
    let url = setup.url(true, &format!("sslmode=verify-full&sslrootcert={ca}"));
    assert_eq!(
        setup.connect(&url).await.map_err(|e| e.to_string()),
        Ok(true)
    );
    let error = setup
        .refused(&setup.url(false, &format!("sslmode=verify-full&sslrootcert={ca}")))
        .await;
    assert!(error.contains("not valid for name"), "{error}");
    assert!(
        error.contains("sslrootcert=PATH"),
        "the error says what to do: {error}"
    );
    let error = setup
        .refused(&setup.url(true, &format!("sslmode=verify-full&sslrootcert={other}")))
        .await;
    assert!(error.contains("UnknownIssuer"), "{error}");

    // verify-ca: the chain only, so the address alone will do.
    let url = setup.url(false, &format!("sslmode=verify-ca&sslrootcert={ca}"));
    assert_eq!(
        setup.connect(&url).await.map_err(|e| e.to_string()),
        Ok(true)
    );
    let error = setup
        .refused(&setup.url(false, &format!("sslmode=verify-ca&sslrootcert={other}")))
        .await;
    assert!(error.contains("UnknownIssuer"), "{error}");
    // require with a root certificate is verify-ca (libpq).
    let error = setup
        .refused(&setup.url(false, &format!("sslmode=require&sslrootcert={other}")))
        .await;
    assert!(error.contains("UnknownIssuer"), "{error}");

    // require and prefer (the default): encrypted, the certificate unchecked.
    for options in [
        "sslmode=require",
        "sslmode=prefer",
        "application_name=powersync-write-server",
    ] {
        let url = setup.url(false, options);
        assert_eq!(
            setup.connect(&url).await.map_err(|e| e.to_string()),
            Ok(true),
            "{options}"
        );
    }

    // disable: this server refuses unencrypted connections.
    let error = setup.refused(&setup.url(false, "sslmode=disable")).await;
    assert!(error.contains("no encryption"), "{error}");

    // A root certificate file that is not there is named.
    let error = match PostgresPersister::new(PostgresConfig::new(
        setup.url(true, "sslmode=verify-full&sslrootcert=/no/such/ca.pem"),
    )) {
        Ok(_) => panic!("a missing sslrootcert must be refused"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("/no/such/ca.pem"), "{error}");
    drop(setup.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scram_with_channel_binding_works_over_tls() {
    let setup = setup();
    let port = setup.cluster.port;
    let url = format!(
        "postgres://scram_user:scram%20secret@127.0.0.1:{port}/postgres?sslmode=require\
         &channel_binding=require"
    );
    assert_eq!(
        setup.connect(&url).await.map_err(|e| e.to_string()),
        Ok(true)
    );
    // The wrong password is still refused with channel binding.
    let url = format!(
        "postgres://scram_user:wrong@127.0.0.1:{port}/postgres?sslmode=require\
         &channel_binding=require"
    );
    let error = setup.refused(&url).await;
    assert!(error.contains("password authentication failed"), "{error}");
}
